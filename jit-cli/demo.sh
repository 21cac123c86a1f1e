#!/usr/bin/env sh
# The README's main walkthrough: the jit command line on the bundled simulator world (no Azure account needed),
# request -> connectivity -> expiry. Build first: mvn -B -ntp -q -pl jit-cli -am package -DskipTests
# The world (world.json) and its state (world.json.state/) go to a fresh temporary directory, printed at the start.
set -u
cd "$(dirname "$0")/.."
JAR=jit-cli/target/jit.jar
[ -f "$JAR" ] || { echo "no $JAR: run mvn -B -ntp -q -pl jit-cli -am package -DskipTests first" >&2; exit 2; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/jit-demo.XXXXXX")
WORLD="$DIR/world.json"
jit() {
    echo
    echo "\$ jit --world world.json $*"
    java -jar "$JAR" --world "$WORLD" "$@" 2>&1
    code=$?
    [ "$code" -eq 0 ] || echo "(exit code $code)"
}
echo "== jit on the bundled simulator world, copied to $WORLD (web-01 and web-02 share subnet NSG default-nsg)"
jit scan
jit --as admin@contoso.com enable web-01 --port 22,sources=203.0.113.0/24 \
    --port 3389,sources=203.0.113.0/24+198.51.100.0/24,max=3h
jit --as barbara@contoso.com enable web-02 --port 22
jit --as barbara@contoso.com --from 198.51.100.7 request web-01 --port 22
jit --as barbara@contoso.com --from 203.0.113.10 request web-01 --port 22 --duration 2h \
    -j "investigating incident INC-4711"
jit check 203.0.113.10 web-01 22
jit check 203.0.113.99 web-01 22
jit check 203.0.113.10 web-01 3389
jit check 203.0.113.10 web-02 22
jit --advance 2h1m sweep
jit check 203.0.113.10 web-01 22
jit grants web-01
