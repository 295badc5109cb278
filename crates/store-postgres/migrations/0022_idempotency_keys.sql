-- Idempotency keys of case commands (issue 18): one row per key a case has taken, written in the
-- command's own transaction, so a retry is recognised without the case snapshot carrying its
-- recent keys (they were a third of its stored bytes). The primary key makes a second use of a key
-- on a case fail the transaction that tries it; the events keep the key and request hash as well.
CREATE TABLE case_keys (
    case_number  text NOT NULL REFERENCES cases (number),
    key          text NOT NULL,
    request_hash text NULL,
    seq          bigint NOT NULL,
    PRIMARY KEY (case_number, key)
);
