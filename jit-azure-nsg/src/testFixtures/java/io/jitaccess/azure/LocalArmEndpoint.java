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

    /** Requests served so far. */
    public int requests() {
        return f.arm.requests().size();
    }

    @Override
    public void close() {
        f.close();
    }
}
