package io.jitaccess.azure;

/**
 * The local ARM endpoint for measurements in other JVMs (jit-examples' transport benchmark): the test fixture's
 * topology, its NIC NSG holding {@code rules} foreign rules, served on 127.0.0.1 until {@link #close()}.
 */
public final class LocalArmEndpoint implements AutoCloseable {
    private final AzureFixture f;

    private LocalArmEndpoint(int rules) {
        this.f = ArmAccounting.fixture(rules);
    }

    /** Starts an endpoint whose NSG holds {@code rules} rules. */
    public static LocalArmEndpoint start(int rules) {
        return new LocalArmEndpoint(rules);
    }

    /** The endpoint's base URL, {@code http://127.0.0.1:PORT}. */
    public String endpoint() {
        return f.arm.endpoint();
    }

    /** The subscription the endpoint serves. */
    public String subscription() {
        return f.net.subscription();
    }

    /** The id of the NSG that holds the rules. */
    public String nsgId() {
        return f.nicNsg;
    }

    /**
     * Each write's long-running operation lasts {@code d} (e.g. 300 ms), during which its NSG refuses other rule
     * writes with 429 {@code RetryableErrorDueToAnotherOperation}, as ARM serialises writes per NSG; zero (the
     * default) answers writes at once.
     */
    public LocalArmEndpoint lroDuration(java.time.Duration d) {
        f.arm.lroDuration(d);
        return this;
    }

    /** Every {@code n}-th resource GET answers 429 with {@code Retry-After} (whole seconds); 0 stops. */
    public LocalArmEndpoint throttleEveryNthRead(int n, java.time.Duration retryAfter) {
        f.arm.throttleEveryNthRead(n, retryAfter);
        return this;
    }

    /** Requests served so far. */
    public int requests() {
        return f.arm.requests().size();
    }

    @Override
    public void close() {
        f.close();
    }
}
