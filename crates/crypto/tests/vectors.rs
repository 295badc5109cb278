//! The suites against the standards' own examples: GB/T 32905 (SM3), GB/T 32907 (SM4),
//! GB/T 32918 (SM2), RFC 8998 (SM4-GCM), FIPS 180-4 (SHA-256), RFC 4231 (HMAC-SHA-256),
//! RFC 8032 (Ed25519) and the GCM specification (AES-256-GCM).

use yizhan_crypto::{
    CryptoError, CryptoProvider, DataKey, KeyRing, PublicKey, SigningKey, SoftProvider, Suite,
};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace([' ', '\n'], "")).unwrap()
}

#[test]
fn sm3_examples_of_gb_t_32905() {
    // Annex A, example 1: "abc".
    assert_eq!(
        Suite::Gm.digest(&[b"abc"]).to_vec(),
        h("66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0")
    );
    // Example 2: "abcd" sixteen times (512 bits), given in parts.
    let m = b"abcd".repeat(16);
    assert_eq!(
        Suite::Gm.digest(&[&m[..10], &m[10..]]).to_vec(),
        h("debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732")
    );
}

#[test]
fn sha256_and_hmac_examples() {
    assert_eq!(
        Suite::Intl.digest(&[b"abc"]).to_vec(),
        h("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    // RFC 4231, test case 2.
    assert_eq!(
        Suite::Intl
            .mac(b"Jefe", b"what do ya want for nothing?")
            .to_vec(),
        h("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    );
}

/// HMAC-SM3 as RFC 2104 defines it, computed by hand from SM3: checks the suite's MAC is HMAC
/// over SM3 (and not, say, over SHA-256 or a plain keyed hash).
#[test]
fn hmac_sm3_is_rfc_2104_over_sm3() {
    for key in [&b"key"[..], &[0x0b; 20], &[0xaa; 131]] {
        let msg = b"what do ya want for nothing?";
        let mut k = if key.len() > 64 {
            Suite::Gm.digest(&[key]).to_vec()
        } else {
            key.to_vec()
        };
        k.resize(64, 0);
        let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
        let inner = Suite::Gm.digest(&[&ipad, msg]);
        let expected = Suite::Gm.digest(&[&opad, &inner]);
        assert_eq!(Suite::Gm.mac(key, msg), expected);
        assert_ne!(Suite::Intl.mac(key, msg), expected);
    }
}

#[test]
fn sm4_gcm_example_of_rfc_8998() {
    // RFC 8998, appendix A.1; SM4 itself is checked through it (GB/T 32907's block example below).
    let key = DataKey::new(Suite::Gm, &h("0123456789ABCDEFFEDCBA9876543210")).unwrap();
    let nonce: [u8; 12] = h("00001234567800000000ABCD").try_into().unwrap();
    let aad = h("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
    let pt = h(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD
                EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
    );
    let out = key.encrypt_with_nonce(&nonce, &pt, &aad);
    let mut expected = nonce.to_vec();
    expected.extend(h(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735
         D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D
         83DE3541E4C2B58177E065A9BF7B62EC",
    ));
    assert_eq!(out, expected);
    assert_eq!(key.decrypt(&out, &aad).unwrap(), pt);
}

#[test]
fn sm4_block_example_of_gb_t_32907() {
    // Example 1: key and plaintext 0123…3210. The block cipher itself, under the GCM above.
    use sm4::cipher::{BlockCipherEncrypt, KeyInit};
    let k = h("0123456789abcdeffedcba9876543210");
    let c = sm4::Sm4::new_from_slice(&k).unwrap();
    let mut block = sm4::cipher::Array::try_from(k.as_slice()).unwrap();
    c.encrypt_block(&mut block);
    assert_eq!(block.to_vec(), h("681edf34d206965e86b3e94f536e4246"));
}

#[test]
fn aes_256_gcm_example_of_the_gcm_specification() {
    // McGrew & Viega, test case 14: zero key, zero nonce, one zero block.
    let key = DataKey::new(Suite::Intl, &[0; 32]).unwrap();
    let out = key.encrypt_with_nonce(&[0; 12], &[0; 16], b"");
    assert_eq!(
        out[12..].to_vec(),
        h("cea7403d4d606b6e074ec5d3baf39d18 d0d1c8a799996bf0265b98b5d48ab919")
    );
}

#[test]
fn sm2_signature_example_of_gb_t_32918() {
    // GB/T 32918.5-2017 (GM/T 0003.5-2012) annex A.2: the recommended curve, ID
    // "1234567812345678", message "message digest".
    let d = h("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
    let key = SigningKey::from_secret(Suite::Gm, &d).unwrap();
    let public = key.public();
    let mut expected = vec![0x04];
    expected.extend(h(
        "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020
         CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13",
    ));
    assert_eq!(
        public.bytes, expected,
        "public key derived from the private key"
    );
    let sig = h(
        "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
                 B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA",
    );
    assert_eq!(public.verify(b"message digest", &sig), Ok(()));
    assert_eq!(
        public.verify(b"message digesT", &sig),
        Err(CryptoError::BadSignature)
    );
    // Our own signatures verify, and not under another message.
    let ours = key.sign(b"message digest");
    assert_eq!(public.verify(b"message digest", &ours), Ok(()));
    assert!(public.verify(b"other", &ours).is_err());
}

#[test]
fn ed25519_example_of_rfc_8032() {
    // RFC 8032 §7.1, test 1 (empty message).
    let key = SigningKey::from_secret(
        Suite::Intl,
        &h("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
    )
    .unwrap();
    assert_eq!(
        key.public().bytes,
        h("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    );
    let sig = key.sign(b"");
    assert_eq!(
        sig,
        h(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555
           fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
    );
    assert_eq!(key.public().verify(b"", &sig), Ok(()));
}

#[test]
fn a_signature_does_not_verify_under_the_other_suite_or_key() {
    let gm = SoftProvider::ephemeral(Suite::Gm);
    let intl = SoftProvider::ephemeral(Suite::Intl);
    let s = gm.sign(b"root");
    assert_eq!(gm.verify(&s.key_id, b"root", &s.signature), Ok(()));
    assert!(matches!(
        intl.verify(&s.key_id, b"root", &s.signature),
        Err(CryptoError::UnknownKey(_))
    ));
    let other = SoftProvider::ephemeral(Suite::Gm);
    assert!(other.verify(&s.key_id, b"root", &s.signature).is_err());
    // A key with the same id but another suite's bytes cannot pass either.
    let fake = PublicKey {
        suite: Suite::Intl,
        bytes: vec![0; 32],
    };
    assert!(fake.verify(b"root", &s.signature).is_err());
}

#[test]
fn rotation_keeps_old_signatures_verifiable_through_the_json_ring() {
    for suite in [Suite::Intl, Suite::Gm] {
        let mut ring = KeyRing::generate(suite).unwrap();
        let before = SoftProvider::new(ring.clone())
            .unwrap()
            .sign(b"checkpoint 1");
        ring.rotate_signing("2026-12-07T00:00:00Z").unwrap();
        let text = ring.to_json();
        let p = SoftProvider::new(KeyRing::from_json(&text).unwrap()).unwrap();
        let after = p.sign(b"checkpoint 2");
        assert_ne!(before.key_id, after.key_id);
        assert_eq!(
            p.verify(&before.key_id, b"checkpoint 1", &before.signature),
            Ok(())
        );
        assert_eq!(
            p.verify(&after.key_id, b"checkpoint 2", &after.signature),
            Ok(())
        );
        assert_eq!(p.public_keys().len(), 2);
        // The data and index keys survive rotation and the JSON round trip.
        let q = SoftProvider::new(ring).unwrap();
        assert_eq!(
            p.blind_index(b"110101199003074514"),
            q.blind_index(b"110101199003074514")
        );
        let c = q.encrypt(b"13800138000", b"users.phone");
        assert_eq!(p.decrypt(&c, b"users.phone").unwrap(), b"13800138000");
        // Debug output names no secret.
        assert!(!format!("{:?}", p.ring()).contains(&hex::encode(p.ring().index_key())));
    }
}

#[test]
fn field_encryption_is_bound_to_its_place_and_detects_tampering() {
    for suite in [Suite::Intl, Suite::Gm] {
        let p = SoftProvider::ephemeral(suite);
        let c = p.encrypt(b"110101199003074514", b"cases.id_number");
        assert!(!c.windows(18).any(|w| w == b"110101199003074514"));
        // The same value twice gives different ciphertexts (random nonce) …
        assert_ne!(c, p.encrypt(b"110101199003074514", b"cases.id_number"));
        // … but one blind index.
        assert_eq!(p.blind_index(b"x"), p.blind_index(b"x"));
        assert_ne!(p.blind_index(b"x"), p.blind_index(b"y"));
        assert_eq!(p.decrypt(&c, b"users.phone"), Err(CryptoError::Decrypt));
        let mut bad = c.clone();
        bad[20] ^= 1;
        assert_eq!(
            p.decrypt(&bad, b"cases.id_number"),
            Err(CryptoError::Decrypt)
        );
        assert_eq!(
            p.decrypt(&c[..10], b"cases.id_number"),
            Err(CryptoError::Decrypt)
        );
    }
}

#[test]
fn a_ring_of_one_suite_refuses_keys_of_the_other() {
    let gm = KeyRing::generate(Suite::Gm).unwrap();
    let text = gm.to_json().replace("\"gm\"", "\"intl\"");
    // An SM4 key is 16 bytes; AES-256 needs 32: refused, never silently used.
    assert!(KeyRing::from_json(&text).is_err());
    assert!(KeyRing::from_json("{}").is_err());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn encryption_round_trips(data in proptest::collection::vec(any::<u8>(), 0..300), gm in any::<bool>()) {
            let p = SoftProvider::ephemeral(if gm { Suite::Gm } else { Suite::Intl });
            let c = p.encrypt(&data, b"aad");
            prop_assert_eq!(c.len(), data.len() + 28);
            prop_assert_eq!(p.decrypt(&c, b"aad").unwrap(), data);
        }
    }
}
