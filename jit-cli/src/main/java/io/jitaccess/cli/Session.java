package io.jitaccess.cli;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RequestIdPolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.identity.DefaultAzureCredentialBuilder;
import io.jitaccess.azure.AzureNsgBackend;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.SweepResult;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.NetworkBackend;
import io.jitaccess.core.time.Scheduler;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.store.jdbc.JdbcPolicyStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * One command's world: the backend (a simulator world or Azure), the store, the facade and the caller. Opening it
 * sweeps expired grants first (a CLI process is short-lived: nothing else would close them); closing it saves the
 * world. Not thread-safe; one per command.
 */
final class Session implements AutoCloseable {
    /** A scheduler that never runs anything: in a CLI, expiry is the sweep's (each command sweeps first). */
    private static final Scheduler NEVER = (at, task) -> () -> { };

    final JitAccess jit;
    final NetworkBackend backend;
    final RequestContext ctx;
    final Optional<InMemoryNetwork> net;
    final Optional<String> resourceGroup;
    final SweepResult sweptFirst;
    private final JdbcPolicyStore store;
    private final Path worldFile;
    private World world;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private Session(JitAccess jit, NetworkBackend backend, RequestContext ctx, Optional<InMemoryNetwork> net,
                    Optional<String> resourceGroup, JdbcPolicyStore store, Path worldFile, World world,
                    FileChannel lockChannel, FileLock lock, boolean sweep) {
        this.jit = jit;
        this.backend = backend;
        this.ctx = ctx;
        this.net = net;
        this.resourceGroup = resourceGroup;
        this.store = store;
        this.worldFile = worldFile;
        this.world = world;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.sweptFirst = sweep ? jit.sweepExpired() : null;
    }

    static Session open(GlobalOptions g, boolean sweepFirst) {
        if (g.world != null && g.subscription != null) {
            throw ValidationException.single("--world", g.world, "use either --world or --subscription, not both");
        }
        if (g.world == null && g.subscription == null) {
            throw ValidationException.single("--world", null,
                    "name a simulator world (--world FILE) or an Azure subscription (--subscription ID)");
        }
        return g.world != null ? simulator(g, sweepFirst) : azure(g, sweepFirst);
    }

    private static Session simulator(GlobalOptions g, boolean sweepFirst) {
        Path file = g.world.toAbsolutePath();
        FileChannel channel = null;
        FileLock lock = null;
        JdbcPolicyStore store = null;
        try {
            java.nio.file.Files.createDirectories(file.getParent());
            channel = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            // one command at a time per world: another process's command is waited for (said on stderr); one
            // already running in this JVM (an embedding, tests) is refused as busy, never a crash
            try {
                lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException busy) {
                throw new io.jitaccess.core.BackendException("WorldBusy", "the world " + io.jitaccess.core.spi.Escape.text(file.toString())
                        + " is in use by another command of this process; nothing was done");
            }
            if (lock == null) {
                System.err.println("jit: waiting for another jit command on " + io.jitaccess.core.spi.Escape.text(file.toString()));
                lock = channel.lock();
            }
            World world = World.load(file);
            if (g.advance != null) {
                world = world.advanced(g.advanceBy());
            }
            InMemoryNetwork net = world.build();
            Clock clock = Clock.offset(Clock.systemUTC(), world.offset());
            String principal = g.principal != null ? g.principal
                    : System.getProperty("user.name", "user") + "@localhost";
            RequestContext ctx = context(principal, g.from);
            store = store(g, file.resolveSibling(file.getFileName() + ".state"), clock);
            JitAccess jit = JitAccess.builder().backend(net).authorizer(authorizer(world.access()))
                    .policyStore(store).clock(clock).scheduler(NEVER).build();
            Session s = new Session(jit, net, ctx, Optional.of(net), Optional.ofNullable(g.resourceGroup), store,
                    file, world, channel, lock, sweepFirst);
            s.save();   // a new world (or an advanced clock) is written even if the command then fails
            return s;
        } catch (IOException e) {
            release(channel);
            throw ValidationException.single("--world", file, "cannot be opened: " + e.getMessage());
        } catch (RuntimeException e) {
            if (store != null) {
                store.close();
            }
            release(channel);
            throw e;
        }
    }

    private static Session azure(GlobalOptions g, boolean sweepFirst) {
        if (g.principal != null) {
            throw ValidationException.single("--as", g.principal,
                    "is for the simulator only; on Azure the principal is the credential's");
        }
        if (g.advance != null) {
            throw ValidationException.single("--advance", g.advance, "is for the simulator only");
        }
        String local = System.getProperty(ARM_ENDPOINT_PROPERTY);
        TokenCredential credential;
        AzureNsgBackend backend;
        if (local == null) {
            // --tenant reaches the credential too (it was only in the profile, where no token request reads it)
            DefaultAzureCredentialBuilder cb = new DefaultAzureCredentialBuilder();
            if (g.tenant != null) {
                cb.tenantId(g.tenant);
            }
            credential = cb.build();
            backend = AzureNsgBackend.builder().credential(credential)
                    .profile(new AzureProfile(g.tenant, g.subscription, AzureEnvironment.AZURE)).build();
        } else {
            URI endpoint = loopback(local);
            Supplier<TokenCredential> hook = testCredential;
            if (hook == null) {
                // never DefaultAzureCredential here: a real token must not go to an endpoint that is not ARM
                throw ValidationException.single(ARM_ENDPOINT_PROPERTY, local,
                        "is for tests only and needs the tests' credential; a real token is never sent to it");
            }
            credential = hook.get();
            backend = AzureNsgBackend.builder().httpPipeline(localPipeline(credential))
                    .profile(new AzureProfile(g.tenant, g.subscription, new AzureEnvironment(
                            Map.of("resourceManagerEndpointUrl", endpoint.toString()))))
                    .pollInterval(java.time.Duration.ofMillis(20)).build();
        }
        RequestContext ctx = context(AzurePrincipal.of(credential), g.from);
        Path home = Path.of(System.getProperty("user.home"), ".jit-access", "state");
        JdbcPolicyStore store = store(g, home, null);
        try {
            // Azure RBAC decides on ARM: every write is made with the caller's own credential
            JitAccess jit = JitAccess.builder().backend(backend).authorizer(Authorizer.permitAll())
                    .policyStore(store).scheduler(NEVER).build();
            return new Session(jit, backend, ctx, Optional.empty(), Optional.ofNullable(g.resourceGroup), store,
                    null, null, null, null, sweepFirst);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * Test hook, with {@link #testCredential}: the system property naming a local ARM-compatible endpoint
     * ({@code http://127.0.0.1:PORT}) for the Azure path ({@code --subscription}). Loopback only; refused unless the
     * tests' credential is set, so {@code DefaultAzureCredential}'s token never goes there. Not documented for users.
     */
    static final String ARM_ENDPOINT_PROPERTY = "jit.arm.endpoint";

    /**
     * Test hook: the credential used with {@link #ARM_ENDPOINT_PROPERTY} (tests in this package set it; nothing a user
     * can reach does). Its token is sent to the local endpoint and its claims name the caller, as on Azure.
     */
    static volatile Supplier<TokenCredential> testCredential;

    /** The local endpoint {@code url} names, refused unless it is http(s) on a loopback address with no path. */
    static URI loopback(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw ValidationException.single(ARM_ENDPOINT_PROPERTY, url, "is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        boolean loopback = host.equals("localhost") || host.equals("[::1]")
                || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
        boolean bare = uri.getUserInfo() == null && uri.getQuery() == null && uri.getFragment() == null
                && (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"));
        if (!(scheme.equals("http") || scheme.equals("https")) || !loopback || !bare) {
            throw ValidationException.single(ARM_ENDPOINT_PROPERTY, url,
                    "must be a loopback endpoint (http://127.0.0.1:PORT, http://localhost:PORT, http://[::1]:PORT)");
        }
        return URI.create(scheme + "://" + host + (uri.getPort() < 0 ? "" : ":" + uri.getPort()));
    }

    /**
     * The pipeline to a local endpoint: the SDK's bearer-token policy refuses plain http, so the token of the tests'
     * credential is set here (scope: the endpoint's {@code /.default}, as the SDK asks of ARM).
     */
    private static HttpPipeline localPipeline(TokenCredential credential) {
        HttpPipelinePolicy bearer = (ctx, next) -> {
            AccessToken t = credential.getToken(new TokenRequestContext()
                    .addScopes("https://management.azure.com/.default")).block();
            if (t != null) {
                ctx.getHttpRequest().setHeader(HttpHeaderName.AUTHORIZATION, "Bearer " + t.getToken());
            }
            return next.process();
        };
        return new HttpPipelineBuilder().policies(new UserAgentPolicy(), new RequestIdPolicy(), bearer)
                .httpClient(new JdkHttpClientBuilder().build()).build();
    }

    private static RequestContext context(String principal, String from) {
        return from == null ? RequestContext.of(principal) : RequestContext.of(principal, from);
    }

    private static JdbcPolicyStore store(GlobalOptions g, Path defaultDir, Clock clock) {
        JdbcPolicyStore.Builder b;
        if (g.store == null) {
            b = JdbcPolicyStore.h2File(defaultDir);
        } else {
            b = JdbcPolicyStore.builder(dataSource(g.store));
        }
        if (clock != null) {
            b.clock(clock);
        }
        return b.build();
    }

    private static Authorizer authorizer(World.Access access) {
        if (access == null) {
            return Authorizer.permitAll();
        }
        return Authorizer.of(r -> switch (r.action()) {
            case READ -> true;
            case CONFIGURE -> in(access.admins(), r.principal());
            case REQUEST -> in(access.requesters(), r.principal());
            case APPROVE -> in(access.approvers(), r.principal());
            case REVOKE, EXTEND -> in(access.admins(), r.principal())
                    || r.grant().map(gr -> gr.requestor().equalsIgnoreCase(r.principal())).orElse(false);
        });
    }

    private static boolean in(List<String> who, String principal) {
        return who.contains("*") || who.stream().anyMatch(w -> w.equalsIgnoreCase(principal));
    }

    /** The VM a command names: an ARM id as it is, or a name found in the world or the subscription. */
    VmId vm(String nameOrId) {
        if (nameOrId.startsWith("/")) {
            return VmId.of(nameOrId);
        }
        if (world != null) {
            return world.vm(nameOrId).orElseThrow(() -> new NotFoundException(
                    "vm: no VM named '" + io.jitaccess.core.spi.Escape.text(nameOrId) + "' in the world"));
        }
        List<VmId> found = backend.listVms(resourceGroup).stream()
                .filter(v -> v.name().equalsIgnoreCase(nameOrId)).toList();
        if (found.isEmpty()) {
            throw new NotFoundException("vm: no VM named '" + io.jitaccess.core.spi.Escape.text(nameOrId) + "' in "
                    + resourceGroup.map(rg -> "resource group " + rg).orElse("the subscription"));
        }
        if (found.size() > 1) {
            throw ValidationException.single("vm", nameOrId, "names " + found.size()
                    + " VMs in different resource groups; give --resource-group or the VM's id");
        }
        return found.get(0);
    }

    /** The store, for what the facade does not write itself (imported Defender history). */
    io.jitaccess.core.spi.PolicyStore store() {
        return store;
    }

    /** The world's clock offset, or zero on Azure. */
    java.time.Duration offset() {
        return world == null ? java.time.Duration.ZERO : world.offset();
    }

    Instant now() {
        return jit.now();
    }

    private void save() {
        if (world != null && net.isPresent()) {
            world = world.withRulesOf(net.get());
            world.save(worldFile);
        }
    }

    @Override
    public void close() {
        try {
            jit.close();
            save();
        } finally {
            store.close();
            release(lockChannel);
        }
    }

    private static void release(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();   // releases the lock
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * The drivers' own DataSources for {@code --store} (user and password go in the URL): PostgreSQL's
     * {@code PGSimpleDataSource} and H2's {@code JdbcDataSource}, the two databases the store supports.
     */
    static DataSource dataSource(String url) {
        if (url.startsWith("jdbc:postgresql:")) {
            org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ds.setURL(url);
            return ds;
        }
        if (url.startsWith("jdbc:h2:")) {
            org.h2.jdbcx.JdbcDataSource ds = new org.h2.jdbcx.JdbcDataSource();
            ds.setURL(url);
            return ds;
        }
        throw ValidationException.single("--store", url, "must be a PostgreSQL or H2 JDBC URL "
                + "(jdbc:postgresql://host/db?user=..., jdbc:h2:/path/file)");
    }
}
