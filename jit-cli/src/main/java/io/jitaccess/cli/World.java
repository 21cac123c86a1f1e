package io.jitaccess.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.Direction;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.inmemory.ArmRuleProperties;
import io.jitaccess.inmemory.InMemoryNetwork;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A simulator world: the topology and the NSG rules of an {@link InMemoryNetwork}, with a clock offset, as one JSON
 * document (format {@code jit-world/1}, README "Command line (jit)"). The CLI loads it at start, runs one command on
 * the simulator, and saves the rules back; topology is never changed by a command. Immutable.
 *
 * @param format                {@code jit-world/1}
 * @param subscription          the subscription id used in the ARM ids of the world's resources
 * @param resourceGroup         the resource group of every resource
 * @param clockOffset           how far the world's clock is ahead of the real one (ISO-8601, e.g. {@code PT2H})
 * @param virtualNetworks       VNets with their subnets (and each subnet's NSG, by name)
 * @param networkSecurityGroups NSGs with their custom rules, each in ARM's own JSON shape
 * @param virtualMachines       VMs: one NIC each, in a subnet, with an optional NIC NSG
 * @param access                who may do what; absent: everyone may do everything
 */

@JsonPropertyOrder({"format", "subscription", "resourceGroup", "clockOffset", "virtualNetworks",
        "networkSecurityGroups", "virtualMachines", "access"})
record World(String format, String subscription, String resourceGroup, String clockOffset,
             List<VirtualNetwork> virtualNetworks, List<Nsg> networkSecurityGroups, List<Vm> virtualMachines,
             Access access) {

    static final String FORMAT = "jit-world/1";
    static final String DEMO_RESOURCE = "demo-world.json";

    World {
        virtualNetworks = virtualNetworks == null ? List.of() : List.copyOf(virtualNetworks);
        networkSecurityGroups = networkSecurityGroups == null ? List.of() : List.copyOf(networkSecurityGroups);
        virtualMachines = virtualMachines == null ? List.of() : List.copyOf(virtualMachines);
        subscription = subscription == null ? "00000000-0000-0000-0000-000000000000" : subscription;
        resourceGroup = resourceGroup == null ? "rg1" : resourceGroup;
        clockOffset = clockOffset == null ? "PT0S" : clockOffset;
    }

    /** A VNet. */
    @JsonPropertyOrder({"name", "addressSpace", "subnets"})
    record VirtualNetwork(String name, List<String> addressSpace, List<Subnet> subnets) {
        VirtualNetwork {
            addressSpace = addressSpace == null ? List.of() : List.copyOf(addressSpace);
            subnets = subnets == null ? List.of() : List.copyOf(subnets);
        }
    }

    /** A subnet; {@code nsg} names the subnet's NSG, or is absent. */

    @JsonPropertyOrder({"name", "prefix", "nsg"})
    record Subnet(String name, String prefix, String nsg) {
    }

    /** An NSG and its custom rules (default rules are implied, as in ARM). */
    @JsonPropertyOrder({"name", "securityRules"})
    record Nsg(String name, List<Rule> securityRules) {
        Nsg {
            securityRules = securityRules == null ? List.of() : List.copyOf(securityRules);
        }
    }

    /** A rule as ARM lists it: {@code name} and {@code properties}. */
    @JsonPropertyOrder({"name", "properties"})
    record Rule(String name, ArmRuleProperties properties) {
    }

    /** A VM with one NIC: {@code subnet} is {@code vnet/subnet}; {@code nicNsg} names its NIC's NSG, or is absent. */

    @JsonPropertyOrder({"name", "subnet", "privateIp", "nicNsg"})
    record Vm(String name, String subnet, String privateIp, String nicNsg) {
    }

    /**
     * Who may do what in the world: {@code admins} configure, revoke and extend any grant; {@code approvers}
     * approve; {@code requesters} request ({@code *}: anyone); everyone reads; a grant's owner revokes and extends it.
     */
    @JsonPropertyOrder({"admins", "approvers", "requesters"})
    record Access(List<String> admins, List<String> approvers, List<String> requesters) {
        Access {
            admins = admins == null ? List.of() : List.copyOf(admins);
            approvers = approvers == null ? List.of() : List.copyOf(approvers);
            requesters = requesters == null ? List.of("*") : List.copyOf(requesters);
        }
    }

    static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .setSerializationInclusion(JsonInclude.Include.NON_EMPTY);
    }

    /** The world in {@code file}; a file that does not exist yet starts as a copy of the bundled demo world. */
    static World load(Path file) {
        try {
            if (!Files.exists(file)) {
                return demo();
            }
            return validated(mapper().readValue(file.toFile(), World.class), file.toString());
        } catch (JsonMappingException e) {
            throw ValidationException.single("world" + path(e), file.toString(), "is not a jit-world/1 document: "
                    + Escape.controls(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw ValidationException.single("world", file.toString(), "is not JSON: "
                    + Escape.controls(e.getOriginalMessage()));
        } catch (IOException e) {
            throw ValidationException.single("world", file.toString(), "cannot be read: " + e.getMessage());
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            sb.append(r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]");
        }
        return sb.toString();
    }

    /** The bundled demo world (web-01 and web-02 behind a shared subnet NSG, db-01 with an exposed NIC NSG). */
    static World demo() {
        try (InputStream in = World.class.getResourceAsStream(DEMO_RESOURCE)) {
            return mapper().readValue(Objects.requireNonNull(in, DEMO_RESOURCE), World.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static World validated(World w, String where) {
        if (!FORMAT.equals(w.format())) {
            throw ValidationException.single("world.format", w.format(), "must be " + FORMAT + " (in " + where + ")");
        }
        w.offset();
        return w;
    }

    /** The clock offset. */
    Duration offset() {
        try {
            return Duration.parse(clockOffset);
        } catch (RuntimeException e) {
            throw ValidationException.single("world.clockOffset", clockOffset, "must be an ISO-8601 duration");
        }
    }

    /** This world with its clock {@code d} further ahead. */
    World advanced(Duration d) {
        return new World(format, subscription, resourceGroup, offset().plus(d).toString(), virtualNetworks,
                networkSecurityGroups, virtualMachines, access);
    }

    /** Builds the simulator: topology, then every rule (through ARM's validation). */
    InMemoryNetwork build() {
        InMemoryNetwork net = InMemoryNetwork.create(subscription, resourceGroup);
        Map<String, String> nsgIds = new LinkedHashMap<>();
        for (Nsg n : networkSecurityGroups) {
            nsgIds.put(n.name(), net.addNsg(n.name()));
        }
        Map<String, String> subnetIds = new LinkedHashMap<>();
        for (int i = 0; i < virtualNetworks.size(); i++) {
            VirtualNetwork v = virtualNetworks.get(i);
            net.addVirtualNetwork(v.name(), v.addressSpace().toArray(String[]::new));
            for (Subnet s : v.subnets()) {
                String id = net.addSubnet(v.name(), s.name(), s.prefix());
                subnetIds.put(v.name() + "/" + s.name(), id);
                if (s.nsg() != null) {
                    net.attachNsgToSubnet(id, nsgId(nsgIds, s.nsg(), "virtualNetworks[" + i + "].subnets.nsg"));
                }
            }
        }
        for (int i = 0; i < virtualMachines.size(); i++) {
            Vm vm = virtualMachines.get(i);
            String subnet = subnetIds.get(vm.subnet());
            if (subnet == null) {
                throw ValidationException.single("world.virtualMachines[" + i + "].subnet", vm.subnet(),
                        "must name a subnet as vnet/subnet");
            }
            net.addVm(vm.name(), subnet, vm.privateIp(),
                    vm.nicNsg() == null ? null : nsgId(nsgIds, vm.nicNsg(), "virtualMachines[" + i + "].nicNsg"));
        }
        for (Nsg n : networkSecurityGroups) {
            for (Rule r : n.securityRules()) {
                net.putRule(nsgIds.get(n.name()), r.name(), r.properties());
            }
        }
        net.reset();   // the call log and fault scripts start empty; topology and rules stay
        return net;
    }

    private static String nsgId(Map<String, String> ids, String name, String field) {
        String id = ids.get(name);
        if (id == null) {
            throw ValidationException.single("world." + field, name, "must name an NSG of networkSecurityGroups");
        }
        return id;
    }

    /** This world with the custom rules the simulator holds now. */
    World withRulesOf(InMemoryNetwork net) {
        List<Nsg> nsgs = new ArrayList<>();
        for (Nsg n : networkSecurityGroups) {
            List<Rule> rules = new ArrayList<>();
            net.snapshot(net.nsgId(n.name())).rules().stream()
                    .filter(r -> !r.isOpaque())
                    .sorted(Comparator.comparing((SecurityRule r) -> r.direction() != Direction.INBOUND)
                            .thenComparingInt(SecurityRule::priority))
                    .forEach(r -> rules.add(new Rule(r.name(), ArmRuleProperties.from(r))));
            nsgs.add(new Nsg(n.name(), rules));
        }
        return new World(format, subscription, resourceGroup, clockOffset, virtualNetworks, nsgs, virtualMachines,
                access);
    }

    /** Writes the world to {@code file} (a temporary file, then a rename). */
    void save(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            mapper().writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the world " + file, e);
        }
    }

    /** The VM of this world named {@code name} (ignoring case). */
    java.util.Optional<VmId> vm(String name) {
        return virtualMachines.stream().filter(v -> v.name().equalsIgnoreCase(name))
                .map(v -> VmId.of(subscription, resourceGroup, v.name())).findFirst();
    }
}
