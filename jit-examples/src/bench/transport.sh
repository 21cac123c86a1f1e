#!/usr/bin/env bash
# Measures jit-azure-nsg's HTTP transports (JDK HttpClient, the default; Netty, the opt-in) and replaces the
# "HTTP transport" block of docs/performance.md. Run from anywhere: bash jit-examples/src/bench/transport.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD
mvn -B -ntp -q install -DskipTests
for t in jdk netty; do
  mvn -B -ntp -q -f jit-examples/src/bench/transport/$t/pom.xml dependency:build-classpath \
      -DincludeScope=runtime -Dmdep.outputFile="$root/jit-examples/target/transport-cp-$t.txt"
done
JIT_CP_JDK="$root/jit-examples/target/transport-cp-jdk.txt" \
JIT_CP_NETTY="$root/jit-examples/target/transport-cp-netty.txt" \
BENCH_OUT="$root/docs/performance.md" BENCH_ONLY=transport \
  mvn -B -ntp -q -Pbench -pl jit-examples package -DskipTests exec:exec
