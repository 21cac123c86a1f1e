package io.jitaccess.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RequestIdPolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.core.util.Configuration;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.arm.ArmDialect;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.PortRange;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.rules.Access;
import io.jitaccess.core.rules.SecurityRule;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 12 §3: the local ARM endpoint's timed long-running operations, its per-NSG write serialisation and its read
 * throttling, through the real SDK and {@link AzureNsgBackend}. Operations that must stay open are made an hour long
 * and ended with {@link FakeArm#completeOperations()}, so no assertion depends on how fast the machine is; the
 * backend's waits are recorded by the fixture's sleeper, never slept.
 */
class ArmSerialisationTest {
    final AzureFixture f = new AzureFixture();
    final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
        f.close();
    }

    static SecurityRule allow(String name, int priority) {
        return SecurityRule.inbound(name, priority, Access.ALLOW, Protocol.TCP, List.of(Address.ANY),
                List.of(Address.ANY), List.of(PortRange.of(22)), "");
    }

    /** A rule PUT by another client, straight over HTTP: its operation is left running. */
    HttpResponse<String> foreignPut(String nsgId, String name) throws Exception {
        String body = "{\"properties\":{\"protocol\":\"Tcp\",\"sourcePortRange\":\"*\",\"destinationPortRange\":\"80\","
                + "\"sourceAddressPrefix\":\"*\",\"destinationAddressPrefix\":\"*\",\"access\":\"Allow\","
                + "\"priority\":3000,\"direction\":\"Inbound\"}}";
        HttpRequest put = HttpRequest.newBuilder(URI.create(f.arm.endpoint() + nsgId + "/securityRules/" + name
                + "?api-version=" + FakeArm.API_NETWORK)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        return HttpClient.newHttpClient().send(put, HttpResponse.BodyHandlers.ofString());
    }

    List<FakeArm.Request> puts(String ruleName) {
        return f.arm.requests().stream().filter(r -> r.method().equals("PUT") && r.path().endsWith("/" + ruleName))
                .toList();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"429, RetryableErrorDueToAnotherOperation", "409, AnotherOperationInProgress"})
    @DisplayName("a rule write to an NSG whose operation runs is refused with ARM's answer; the backend retries it "
            + "maxAttempts times, then throws a retryable BackendException with the code; reads and other NSGs proceed")
    void busyNsg(int status, String code) throws Exception {
        f.arm.conflictAnswer(status, code).lroDuration(Duration.ofHours(1));
        HttpResponse<String> foreign = foreignPut(f.nicNsg, "foreign");
        assertThat(foreign.statusCode()).isEqualTo(201);
        assertThat(foreign.headers().firstValue("Azure-AsyncOperation")).isPresent();

        Throwable t = catchThrowable(() -> f.backend.createRule(f.nicNsg, allow("jit-a", 200)));
        assertThat(t).isInstanceOf(BackendException.class);
        assertThat(((BackendException) t).code()).isEqualTo(code);
        assertThat(((BackendException) t).retryable()).isTrue();
        assertThat(puts("jit-a")).hasSize(5).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.responseBody()).contains("\"code\":\"" + code + "\"");
        });
        assertThat(f.waits).containsExactly(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800),
                Duration.ofMillis(1600));
        assertThat(f.net.snapshot(f.nicNsg).rule("jit-a")).isEmpty();
        assertThat(catchThrowable(() -> f.backend.deleteRule(f.nicNsg, "foreign"))).isInstanceOf(BackendException.class);

        // GETs are served during the operation, and a write to another NSG proceeds while this one is still busy
        assertThat(f.backend.readNsg(f.nicNsg).rule("foreign")).isPresent();
        f.arm.lroDuration(Duration.ZERO);                       // new operations end at their first poll
        f.backend.createRule(f.subnetNsg, allow("jit-b", 200));
        assertThat(puts("jit-b")).extracting(FakeArm.Request::status).containsExactly(201);
        assertThat(foreignPut(f.nicNsg, "foreign2").statusCode()).isEqualTo(status);
    }

    @Test
    @DisplayName("when the other operation ends during the backend's backoff, its retry succeeds")
    void retrySucceedsOnceTheOperationEnds() throws Exception {
        f.arm.lroDuration(Duration.ofHours(1));
        foreignPut(f.nicNsg, "foreign");
        AzureNsgBackend backend = f.backend(b -> b.sleeper(d -> {
            f.waits.add(d);
            f.arm.completeOperations();
        }));
        f.arm.lroDuration(Duration.ZERO);
        backend.createRule(f.nicNsg, allow("jit-a", 200));
        assertThat(puts("jit-a")).extracting(FakeArm.Request::status).containsExactly(429, 201);
        assertThat(f.waits).containsExactly(Duration.ofMillis(200));
        assertThat(f.net.snapshot(f.nicNsg).rule("jit-a")).isPresent();
    }

    @Test
    @DisplayName("writes to two NSGs run in parallel: each PUT is accepted while the other's operation runs")
    void twoNsgsInParallel() throws Exception {
        f.arm.lroDuration(Duration.ofHours(1));
        CountDownLatch accepted = new CountDownLatch(2);
        HttpPipelinePolicy fakeAuth = (ctx, next) -> {
            ctx.getHttpRequest().setHeader(HttpHeaderName.AUTHORIZATION, "Bearer fake-token");
            return next.process();
        };
        HttpPipelinePolicy onAccepted = (ctx, next) -> next.process().doOnNext(r -> {
            if (r.getRequest().getHttpMethod() == HttpMethod.PUT && r.getStatusCode() == 201) {
                accepted.countDown();
            }
        });
        HttpPipeline pipeline = new HttpPipelineBuilder().policies(new UserAgentPolicy(), new RequestIdPolicy(),
                fakeAuth, onAccepted).httpClient(new JdkHttpClientBuilder().configuration(Configuration.NONE).build())
                .build();
        AzureNsgBackend backend = f.backend(b -> b.httpPipeline(pipeline));
        Future<SecurityRule> a = pool.submit(() -> backend.createRule(f.nicNsg, allow("jit-a", 200)));
        Future<SecurityRule> b = pool.submit(() -> backend.createRule(f.subnetNsg, allow("jit-b", 200)));
        // both accepted while both operations run (an hour each): the writes overlap
        assertThat(accepted.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(a.isDone() || b.isDone()).isFalse();
        f.arm.completeOperations();
        a.get(20, TimeUnit.SECONDS);
        b.get(20, TimeUnit.SECONDS);
        assertThat(f.arm.requests()).noneMatch(r -> r.status() == 429 || r.status() == 409);
        assertThat(f.net.snapshot(f.nicNsg).rule("jit-a")).isPresent();
        assertThat(f.net.snapshot(f.subnetNsg).rule("jit-b")).isPresent();
    }

    @Test
    @DisplayName("lroDuration: polls answer InProgress until the duration has passed since the write, for PUT and "
            + "DELETE")
    void timedOperations() {
        Duration d = Duration.ofMillis(120);
        f.arm.lroDuration(d);
        long t0 = System.nanoTime();
        f.backend.createRule(f.nicNsg, allow("jit-a", 200));
        long t1 = System.nanoTime();
        f.backend.deleteRule(f.nicNsg, "jit-a");
        long t2 = System.nanoTime();
        // each call ends no earlier than its operation, which ends d after the write was accepted
        assertThat(Duration.ofNanos(t1 - t0)).isGreaterThanOrEqualTo(d);
        assertThat(Duration.ofNanos(t2 - t1)).isGreaterThanOrEqualTo(d);
        List<FakeArm.Request> log = f.arm.requests();
        for (String method : List.of("PUT", "DELETE")) {
            FakeArm.Request write = log.stream().filter(r -> r.method().equals(method)).findFirst().orElseThrow();
            assertThat(write.status()).isEqualTo(method.equals("PUT") ? 201 : 202);
            String op = write.responseHeader("Azure-AsyncOperation");
            String opId = op.substring(op.lastIndexOf('/') + 1, op.indexOf('?'));
            List<String> polls = log.stream().filter(r -> r.path().endsWith("/operations/" + opId))
                    .map(FakeArm.Request::responseBody).toList();
            assertThat(polls).isNotEmpty();
            assertThat(polls.get(polls.size() - 1)).contains("Succeeded");
            assertThat(polls.subList(0, polls.size() - 1)).allMatch(b -> b.contains("InProgress"));
        }
        assertThat(f.waits).isEmpty();
    }

    @Test
    @DisplayName("throttled reads: 429 with Retry-After, retried by the backend honouring it; past maxAttempts a "
            + "retryable TooManyRequests")
    void throttledReads() {
        f.arm.throttleReads(2, Duration.ofSeconds(7));
        assertThat(f.backend.readNsg(f.nicNsg).id()).isEqualTo(f.nicNsg);
        assertThat(f.waits).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(7));
        assertThat(f.arm.requests()).extracting(FakeArm.Request::status).containsExactly(429, 429, 200);
        assertThat(f.arm.requests().get(0).responseHeader("Retry-After")).isEqualTo("7");

        f.waits.clear();
        f.arm.throttleReads(5, Duration.ofMillis(1500));        // whole seconds, rounded up
        Throwable t = catchThrowable(() -> f.backend.readRule(f.nicNsg, "none"));
        assertThat(((BackendException) t).code()).isEqualTo(ArmDialect.TOO_MANY_REQUESTS);
        assertThat(((BackendException) t).retryable()).isTrue();
        assertThat(f.waits).hasSize(4).allMatch(w -> w.equals(Duration.ofSeconds(2)));

        f.waits.clear();
        f.arm.throttleReads(0, Duration.ZERO).throttleEveryNthRead(2, Duration.ofSeconds(1));
        assertThat(f.backend.resolveVm(f.vm).nics()).hasSize(1);
        assertThat(f.waits).isNotEmpty().allMatch(w -> w.equals(Duration.ofSeconds(1)));
    }

    @Test
    @DisplayName("a throttled final GET after a succeeded create or replace: the backend answers with the rule it "
            + "wrote (the SDK hands over the 429's error body as the rule)")
    void throttledFinalGet() {
        f.arm.asyncWrites(true).throttleReads(1, Duration.ofSeconds(3));
        SecurityRule wanted = allow("jit-a", 200);
        assertThat(f.backend.createRule(f.nicNsg, wanted)).isEqualTo(wanted);
        assertThat(f.arm.requests()).extracting(FakeArm.Request::method, FakeArm.Request::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple("PUT", 201), org.assertj.core.groups.Tuple.tuple("GET", 200),
                org.assertj.core.groups.Tuple.tuple("GET", 429));
        assertThat(f.net.snapshot(f.nicNsg).rule("jit-a")).contains(wanted);

        SecurityRule stored = f.net.snapshot(f.nicNsg).rule("jit-a").orElseThrow();
        SecurityRule updated = new SecurityRule(stored.name(), stored.priority(), stored.direction(), stored.access(),
                stored.protocol(), stored.sources(), stored.sourcePorts(), stored.destinations(),
                stored.destinationPorts(), "extended");
        f.arm.clearLog();
        f.arm.throttleEveryNthRead(2, Duration.ofSeconds(1));   // the replace's own GET passes, its final GET not
        assertThat(f.backend.replaceRule(f.nicNsg, stored, updated)).isEqualTo(updated);
        assertThat(f.net.snapshot(f.nicNsg).rule("jit-a")).contains(updated);
    }

    @Test
    @DisplayName("a create whose LRO poll is throttled (ARM applied the PUT): the backend's repeat is answered 412, and "
            + "reading the rule settles it as created, not as a conflict")
    void throttledPollAfterAnAppliedCreate() {
        f.arm.asyncWrites(true);
        f.arm.script("GET", "/operations/", 429, java.util.Map.of("Retry-After", "2"),
                FakeArm.error("TooManyRequests", "polls are reads"));
        SecurityRule rule = allow("jitaccess-test-created", 3100);
        SecurityRule created = f.backend.createRule(f.nicNsg, rule);
        assertThat(created).isEqualTo(rule);
        assertThat(f.net.snapshot(f.nicNsg).rule(rule.name())).contains(rule);
        assertThat(puts(rule.name())).as("the PUT, then its repeat (answered 412)").hasSize(2);
        assertThat(puts(rule.name()).get(1).status()).isEqualTo(412);
    }

    @Test
    @DisplayName("a create meeting a rule of that name that differs from ours stays a conflict (nothing is settled)")
    void createMeetingAnotherRule() {
        f.arm.asyncWrites(true);
        f.arm.script("GET", "/operations/", 429, java.util.Map.of("Retry-After", "2"),
                FakeArm.error("TooManyRequests", "polls are reads"));
        SecurityRule rule = allow("jitaccess-test-other", 3101);
        f.net.putRule(f.nicNsg, allow("jitaccess-test-other", 3101).toBuilder().description("theirs").build());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.backend.createRule(f.nicNsg, rule))
                .isInstanceOf(io.jitaccess.core.RuleConflictException.class);
    }
}
