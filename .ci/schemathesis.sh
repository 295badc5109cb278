#!/usr/bin/env bash
# The API document checked from outside (issue 15, part 4): Schemathesis (PyPI) generates requests
# from /api/v1/openapi.json against the debug server with the demo data and checks every reply
# against the document (status, content type, headers, schema), that no input makes a 5xx, that
# schema-violating input is refused, that undeclared methods are 405 and that leaving out the
# session is refused. Signed in as the system administrator, then again anonymously.
# Needs target/debug/yizhan built. Run from the repository root.
set -euo pipefail

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3-venv >/dev/null
fi
venv=target/ci-venv
[ -x "$venv/bin/schemathesis" ] || {
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'schemathesis==4.32.5'
}
"$venv/bin/schemathesis" --version

dir=$(mktemp -d)
port=18089
base="http://127.0.0.1:$port"
YIZHAN_DATA_DIR="$dir" YIZHAN_LOGIN_DELAY_MS=0 target/debug/yizhan serve --demo \
    --bind "127.0.0.1:$port" --insecure-cookies >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do
    curl -sf "$base/healthz" >/dev/null && break
    sleep 1
done
curl -sf "$base/healthz" >/dev/null || { cat "$dir/server.log"; echo "server did not start" >&2; exit 1; }

signin=$(curl -sf -c "$dir/jar" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"yizhan2026"}' "$base/api/v1/session")
csrf=$(printf '%s' "$signin" | python3 -c 'import sys, json; print(json.load(sys.stdin)["csrf_token"])')
# The administrator's role asks a second factor, bound at the first sign-in: take the secret, make
# the authenticator's code (RFC 6238, in Python's standard library) and confirm; the confirmation
# replaces the session.
due=$(printf '%s' "$signin" | python3 -c 'import sys, json; print(json.load(sys.stdin)["second_factor"] or "")')
if [ "$due" = enrol ]; then
    secret=$(curl -sf -b "$dir/jar" -H "x-csrf-token: $csrf" -X POST \
        "$base/api/v1/me/second-factor/enrolment" |
        python3 -c 'import sys, json; print(json.load(sys.stdin)["secret"])')
    code=$(python3 - "$secret" <<'PY'
import base64, hashlib, hmac, struct, sys, time
s = sys.argv[1]
key = base64.b32decode(s + "=" * (-len(s) % 8))
h = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))
PY
)
    confirmed=$(curl -sf -b "$dir/jar" -c "$dir/jar" -H "x-csrf-token: $csrf" \
        -H 'content-type: application/json' -d "{\"code\":\"$code\"}" \
        "$base/api/v1/me/second-factor")
    csrf=$(printf '%s' "$confirmed" | python3 -c 'import sys, json; print(json.load(sys.stdin)["csrf_token"])')
fi
export YZ_CSRF=$csrf
export YZ_SESSION=$(awk '$6 == "yz_session" { print $7 }' "$dir/jar")
[ -n "$YZ_SESSION" ] && [ -n "$YZ_CSRF" ] || { echo "sign-in failed" >&2; exit 1; }
# Past the second factor: the session reaches the work (a session short of it gets 403).
curl -sf -b "$dir/jar" "$base/api/v1/me/sessions" >/dev/null || { echo "second factor failed" >&2; exit 1; }

# A fixed seed, so a red run can be replayed and CI does not turn red on a new random draw; run
# the script with SCHEMATHESIS_SEED=random to explore (the seed used is printed at the end).
seed=${SCHEMATHESIS_SEED:-15}
seed_args=()
[ "$seed" = random ] || seed_args=(--seed "$seed")
# One worker: with two, Hypothesis parses lambda sources on two threads at once, and CPython
# 3.11's AST recursion counter is not thread-safe ("AST constructor recursion depth mismatch",
# a runtime error that failed a CI run at random). One worker is also what makes a seed replay.
st() { "$venv/bin/schemathesis" "$@"; }
echo "-- signed in as admin"
st --config-file .ci/schemathesis.toml run "$base/api/v1/openapi.json" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-examples 25 --workers 1 --no-color "${seed_args[@]}"
echo "-- anonymous"
st run "$base/api/v1/openapi.json" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-examples 10 --workers 1 --no-color "${seed_args[@]}"
