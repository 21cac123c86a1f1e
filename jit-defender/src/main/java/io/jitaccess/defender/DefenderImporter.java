package io.jitaccess.defender;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jitaccess.core.Grant;
import io.jitaccess.core.GrantStatus;
import io.jitaccess.core.StatusReason;
import io.jitaccess.core.ValidationException;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.Protocol;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.policy.Violation;
import io.jitaccess.core.policy.VmId;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Reads Defender for Cloud's {@code jitNetworkAccessPolicies} JSON (api-version {@code 2020-01-01}) into a
 * {@link DefenderDocument}.
 *
 * <p>Accepted documents: one policy as {@code GET …/jitNetworkAccessPolicies/{name}} returns it (fields under
 * {@code properties}) or as {@code az security jit-policy show} prints it (flattened); a list as the list API returns
 * it ({@code {"value":[…]}}); a JSON array of policies as {@code az security jit-policy list} prints it.
 *
 * <p>Two kinds of trouble, kept apart:
 * <ul>
 *   <li><b>Not a Defender document</b> (not JSON, a wrong JSON type, a required field missing, a port number outside
 *       0..65535, both source fields on one port, duplicate keys): a {@link ValidationException} listing every
 *       violation with its field path and value; nothing is returned, so nothing can be half-applied.</li>
 *   <li><b>Valid Defender, not mappable</b>: reported as {@link Finding}s in the result. A VM with a malformed id, a
 *       port 0, a protocol other than {@code TCP}/{@code UDP}/{@code *}, a source that is not an IP, a CIDR or
 *       {@code *}, a duration that is not ISO-8601 or is outside the {@link JitLimits}, or a port number twice, is left
 *       out whole ({@link Finding.Kind#VM_SKIPPED}); fields the library does not model ({@code publicIpAddress} and
 *       other Azure Firewall settings, {@code mappedPort}, {@code provisioningState}, {@code nextLink}, unknown
 *       fields) are dropped ({@link Finding.Kind#IGNORED}).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; {@link #create()} then {@code with…} to configure.
 */
public final class DefenderImporter {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private static final Set<String> ENVELOPE = Set.of("id", "name", "type", "kind", "location", "properties");
    private static final Set<String> PROPERTIES = Set.of("virtualMachines", "requests", "provisioningState");
    private static final Set<String> VM = Set.of("id", "ports", "publicIpAddress");
    private static final Set<String> PORT = Set.of("number", "protocol", "allowedSourceAddressPrefix",
            "allowedSourceAddressPrefixes", "maxRequestAccessDuration");
    private static final Set<String> REQUEST = Set.of("virtualMachines", "startTimeUtc", "requestor", "justification");
    private static final Set<String> REQUEST_VM = Set.of("id", "ports");
    private static final Set<String> REQUEST_PORT = Set.of("number", "allowedSourceAddressPrefix",
            "allowedSourceAddressPrefixes", "endTimeUtc", "status", "statusReason", "mappedPort");

    private final JitLimits limits;
    private final boolean history;

    private DefenderImporter(JitLimits limits, boolean history) {
        this.limits = limits;
        this.history = history;
    }

    /** An importer with the portal's limits ({@link JitLimits#PORTAL}) that leaves the request history out. */
    public static DefenderImporter create() {
        return new DefenderImporter(JitLimits.PORTAL, false);
    }

    /** The same importer checking durations against these limits (use the facade's: {@code jit.config().limits()}). */
    public DefenderImporter withLimits(JitLimits limits) {
        return new DefenderImporter(Objects.requireNonNull(limits, "limits"), history);
    }

    /** The same importer also reading {@code requests[]} as {@link Grant} history ({@code true}), or not. */
    public DefenderImporter withHistory(boolean history) {
        return new DefenderImporter(limits, history);
    }

    /**
     * Reads a document from JSON text.
     *
     * @throws ValidationException when the text is not a Defender {@code jitNetworkAccessPolicies} document
     */
    public DefenderDocument read(String json) {
        Objects.requireNonNull(json, "json");
        return read(parse(() -> MAPPER.readTree(json)));
    }

    /** Reads a document from a stream of UTF-8 JSON (not closed). */
    public DefenderDocument read(InputStream in) {
        Objects.requireNonNull(in, "in");
        return read(parse(() -> MAPPER.readTree(in)));
    }

    /** Reads a document from a UTF-8 JSON file. */
    public DefenderDocument read(Path file) {
        Objects.requireNonNull(file, "file");
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Parse {
        JsonNode run() throws IOException;
    }

    private static JsonNode parse(Parse p) {
        try {
            JsonNode n = p.run();
            if (n == null || n.isMissingNode()) {
                throw ValidationException.single("$", null, "must be a JSON document, was empty");
            }
            return n;
        } catch (JacksonException e) {
            JsonLocation at = e instanceof JsonProcessingException jpe ? jpe.getLocation() : null;
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            String msg = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
            int nl = msg.indexOf('\n');
            throw ValidationException.single("$", null, "is not valid JSON" + where + ": "
                    + (nl < 0 ? msg : msg.substring(0, nl)));
        } catch (java.io.CharConversionException e) {
            throw ValidationException.single("$", null, "is not valid UTF-8 JSON: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ reading

    private DefenderDocument read(JsonNode root) {
        Run r = new Run();
        List<DefenderPolicy> out = new ArrayList<>();
        DefenderDocument.Form form;
        if (root.isArray()) {
            form = DefenderDocument.Form.ARRAY;
            for (int i = 0; i < root.size(); i++) {
                r.policy(root.get(i), "[" + i + "]").ifPresent(out::add);
            }
        } else if (root.isObject() && root.has("value") && !root.has("properties") && !root.has("virtualMachines")) {
            form = DefenderDocument.Form.LIST;
            JsonNode value = root.get("value");
            if (!value.isArray()) {
                r.bad("value", value, "must be an array of policies");
            } else {
                for (int i = 0; i < value.size(); i++) {
                    r.policy(value.get(i), "value[" + i + "]").ifPresent(out::add);
                }
            }
            root.fieldNames().forEachRemaining(f -> {
                if (f.equals("nextLink")) {
                    r.ignored("nextLink", root.get(f), "a paging link, not part of any policy");
                } else if (!f.equals("value")) {
                    r.unknown(f, root.get(f));
                }
            });
        } else if (root.isObject()) {
            form = DefenderDocument.Form.SINGLE;
            r.policy(root, "").ifPresent(out::add);
        } else {
            throw ValidationException.single("$", text(root), "must be a policy object, a list {\"value\":[…]} or "
                    + "an array of policies");
        }
        if (!r.violations.isEmpty()) {
            throw new ValidationException(r.violations);
        }
        return new DefenderDocument(form, out, r.findings);
    }

    /** The state of one read: violations and findings in document order, VMs seen so far. */
    private final class Run {
        final List<Violation> violations = new ArrayList<>();
        final List<Finding> findings = new ArrayList<>();
        final Map<VmId, String> vmsSeen = new HashMap<>();

        void bad(String path, JsonNode value, String reason) {
            violations.add(Violation.of(path, value == null ? null : text(value), reason));
        }

        void ignored(String path, JsonNode value, String reason) {
            findings.add(Finding.of(path, text(value), Finding.Kind.IGNORED, reason));
        }

        void unknown(String path, JsonNode value) {
            ignored(path, value, "not a field of api-version 2020-01-01 (an Azure Firewall setting such as toAddress "
                    + "or toPort, or another tool's addition): not modelled, dropped");
        }

        void unknownFields(JsonNode obj, String prefix, Set<String> known, Set<String> alsoKnown) {
            for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!known.contains(e.getKey()) && !alsoKnown.contains(e.getKey())) {
                    unknown(prefix + e.getKey(), e.getValue());
                }
            }
        }

        Optional<DefenderPolicy> policy(JsonNode p, String path) {
            String at = path.isEmpty() ? "" : path + ".";
            if (!p.isObject()) {
                bad(path.isEmpty() ? "$" : path, p, "must be a policy object");
                return Optional.empty();
            }
            boolean flattened = !p.has("properties") && p.has("virtualMachines");
            JsonNode props = flattened ? p : p.get("properties");
            String pp = flattened ? at : at + "properties.";
            Optional<String> id = optString(p, at, "id");
            Optional<String> name = optString(p, at, "name");
            Optional<String> type = optString(p, at, "type");
            Optional<String> kind = optString(p, at, "kind");
            Optional<String> location = optString(p, at, "location");
            Optional<String> rg = flattened ? optString(p, at, "resourceGroup") : Optional.empty();
            if (type.isPresent() && !type.get().equalsIgnoreCase(DefenderPolicy.TYPE)) {
                bad(at + "type", p.get("type"), "must be " + DefenderPolicy.TYPE);
            }
            if (props == null || !props.isObject()) {
                bad(at + "properties", props, "must be an object holding virtualMachines");
                return Optional.empty();
            }
            if (flattened) {
                unknownFields(p, at, ENVELOPE, Set.of("virtualMachines", "requests", "provisioningState",
                        "resourceGroup"));
            } else {
                unknownFields(p, at, ENVELOPE, Set.of());
                unknownFields(props, pp, PROPERTIES, Set.of());
            }
            if (props.has("provisioningState")) {
                ignored(pp + "provisioningState", props.get("provisioningState"),
                        "read-only: set by Defender, never written back");
            }
            List<JitPolicy> vms = new ArrayList<>();
            JsonNode vmsNode = props.get("virtualMachines");
            if (vmsNode == null || !vmsNode.isArray()) {
                bad(pp + "virtualMachines", vmsNode, "must be an array of VMs (required)");
            } else {
                for (int i = 0; i < vmsNode.size(); i++) {
                    vm(vmsNode.get(i), pp + "virtualMachines[" + i + "]").ifPresent(vms::add);
                }
            }
            List<Grant> grants = new ArrayList<>();
            JsonNode reqs = props.get("requests");
            if (reqs != null && !reqs.isNull()) {
                if (!reqs.isArray()) {
                    bad(pp + "requests", reqs, "must be an array of requests");
                } else if (reqs.isEmpty()) {
                    ignored(pp + "requests", reqs, "an empty request history: nothing to import, not written back");
                } else if (!history) {
                    ignored(pp + "requests", null, reqs.size() + " request(s) not imported: history was not asked "
                            + "for (DefenderImporter.withHistory(true))");
                } else {
                    String key = id.orElse(path);
                    Map<VmId, JitPolicy> byVm = new HashMap<>();
                    vms.forEach(v -> byVm.put(v.vmId(), v));
                    for (int i = 0; i < reqs.size(); i++) {
                        request(reqs.get(i), pp + "requests[" + i + "]", key + "/requests/" + i, byVm, grants);
                    }
                }
            }
            return Optional.of(new DefenderPolicy(id, name, type, kind, location, rg, flattened, vms, grants));
        }

        Optional<String> optString(JsonNode obj, String at, String field) {
            JsonNode n = obj.get(field);
            if (n == null || n.isNull()) {
                return Optional.empty();
            }
            if (!n.isTextual()) {
                bad(at + field, n, "must be a string");
                return Optional.empty();
            }
            return Optional.of(n.textValue());
        }

        Optional<JitPolicy> vm(JsonNode v, String path) {
            if (!v.isObject()) {
                bad(path, v, "must be a VM object");
                return Optional.empty();
            }
            unknownFields(v, path + ".", VM, Set.of());
            if (v.has("publicIpAddress") && !v.get("publicIpAddress").isNull()) {
                ignored(path + ".publicIpAddress", v.get("publicIpAddress"), "the public IP of an Azure Firewall "
                        + "linked to the policy: the library manages NSG rules only, so firewall access is not "
                        + "imported (the VM's NSG ports are)");
            }
            int before = violations.size();
            JsonNode idNode = v.get("id");
            if (idNode == null || !idNode.isTextual()) {
                bad(path + ".id", idNode, "must be the VM's ARM id (required string)");
            }
            JsonNode portsNode = v.get("ports");
            if (portsNode == null || !portsNode.isArray()) {
                bad(path + ".ports", portsNode, "must be an array of port rules (required)");
            }
            List<Finding> skip = new ArrayList<>();
            List<PortRule> ports = new ArrayList<>();
            if (portsNode != null && portsNode.isArray()) {
                Map<Integer, Integer> seen = new HashMap<>();
                for (int i = 0; i < portsNode.size(); i++) {
                    String pp = path + ".ports[" + i + "]";
                    port(portsNode.get(i), pp, skip).ifPresent(r -> {
                        Integer first = seen.putIfAbsent(r.number(), ports.size());
                        if (first != null) {
                            skip.add(Finding.of(pp + ".number", r.number(), Finding.Kind.VM_SKIPPED,
                                    "port " + r.number() + " is configured twice; one rule per port number"));
                        }
                        ports.add(r);
                    });
                }
            }
            if (violations.size() > before) {
                return Optional.empty();
            }
            VmId vmId = null;
            try {
                vmId = VmId.of(idNode.textValue());
            } catch (ValidationException e) {
                skip.add(0, Finding.of(path + ".id", idNode.textValue(), Finding.Kind.VM_SKIPPED,
                        "not an ARM virtual machine id /subscriptions/{sub}/resourceGroups/{rg}/providers/"
                                + "Microsoft.Compute/virtualMachines/{name}"));
            }
            if (vmId != null) {
                String other = vmsSeen.putIfAbsent(vmId, path);
                if (other != null) {
                    skip.add(0, Finding.of(path + ".id", vmId, Finding.Kind.VM_SKIPPED,
                            "the VM is already configured at " + other + "; a VM belongs to one policy"));
                }
            }
            if (ports.isEmpty() && skip.isEmpty()) {
                skip.add(Finding.of(path + ".ports", "[]", Finding.Kind.VM_SKIPPED, "no port rule"));
            }
            if (!skip.isEmpty()) {
                findings.addAll(skip);
                return Optional.empty();
            }
            return Optional.of(new JitPolicy(vmId, ports));
        }

        Optional<PortRule> port(JsonNode p, String path, List<Finding> skip) {
            if (!p.isObject()) {
                bad(path, p, "must be a port rule object");
                return Optional.empty();
            }
            unknownFields(p, path + ".", PORT, Set.of());
            int before = violations.size();
            Integer number = portNumber(p, path);
            JsonNode proto = p.get("protocol");
            if (proto == null || !proto.isTextual()) {
                bad(path + ".protocol", proto, "must be TCP, UDP or * (required string)");
            }
            JsonNode dur = p.get("maxRequestAccessDuration");
            if (dur == null || !dur.isTextual()) {
                bad(path + ".maxRequestAccessDuration", dur, "must be an ISO-8601 duration such as PT3H (required "
                        + "string)");
            }
            Optional<List<String>> sources = sources(p, path, true);
            if (violations.size() > before) {
                return Optional.empty();
            }
            int skipsBefore = skip.size();
            if (number == 0) {
                skip.add(Finding.of(path + ".number", 0, Finding.Kind.VM_SKIPPED, "port 0 cannot be opened; "
                        + "a port rule needs 1..65535"));
            }
            Optional<Protocol> protocol = Protocol.parse(proto.textValue()).filter(Protocol::isJitProtocol);
            if (protocol.isEmpty()) {
                skip.add(Finding.of(path + ".protocol", proto.textValue(), Finding.Kind.VM_SKIPPED,
                        "unknown protocol; JIT offers TCP, UDP and *"));
            } else if (!protocol.get().jitName().equals(proto.textValue())) {
                normalised(path + ".protocol", proto.textValue(), protocol.get().jitName());
            }
            Duration max = duration(dur.textValue(), path + ".maxRequestAccessDuration", skip);
            AllowedSources allowed = allowed(sources.orElse(null), path, skip);
            if (p.hasNonNull("allowedSourceAddressPrefixes") && sources.get().size() == 1) {
                normalised(path + ".allowedSourceAddressPrefixes", p.get("allowedSourceAddressPrefixes").toString(),
                        "allowedSourceAddressPrefix " + p.get("allowedSourceAddressPrefixes").get(0));
            }
            if (skip.size() > skipsBefore) {
                return Optional.empty();
            }
            return Optional.of(new PortRule(number, protocol.get(), allowed, max));
        }

        /** The port number, or null after a violation. */
        Integer portNumber(JsonNode p, String path) {
            JsonNode n = p.get("number");
            if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0
                    || n.intValue() > 65535) {
                bad(path + ".number", n, "must be an integer 0..65535 (required)");
                return null;
            }
            return n.intValue();
        }

        /** The source field(s) as given: one string, or the strings of the array; empty when neither is given. */
        Optional<List<String>> sources(JsonNode p, String path, boolean policy) {
            JsonNode one = p.get("allowedSourceAddressPrefix");
            JsonNode many = p.get("allowedSourceAddressPrefixes");
            boolean hasOne = one != null && !one.isNull();
            boolean hasMany = many != null && !many.isNull();
            if (hasOne && hasMany) {
                bad(path + ".allowedSourceAddressPrefixes", many, "allowedSourceAddressPrefix and "
                        + "allowedSourceAddressPrefixes are mutually exclusive");
                return Optional.empty();
            }
            if (hasOne) {
                if (!one.isTextual()) {
                    bad(path + ".allowedSourceAddressPrefix", one, "must be a string");
                    return Optional.empty();
                }
                return Optional.of(List.of(one.textValue()));
            }
            if (hasMany) {
                if (!many.isArray() || many.isEmpty()) {
                    bad(path + ".allowedSourceAddressPrefixes", many, "must be a non-empty array of strings");
                    return Optional.empty();
                }
                List<String> out = new ArrayList<>();
                for (int i = 0; i < many.size(); i++) {
                    if (!many.get(i).isTextual()) {
                        bad(path + ".allowedSourceAddressPrefixes[" + i + "]", many.get(i), "must be a string");
                    } else {
                        out.add(many.get(i).textValue());
                    }
                }
                return Optional.of(out);
            }
            return Optional.empty();
        }

        AllowedSources allowed(List<String> given, String path, List<Finding> skip) {
            if (given == null) {
                // Defender: a port rule without sources takes any source (the portal's "Any")
                findings.add(Finding.of(path + ".allowedSourceAddressPrefix", null, Finding.Kind.NORMALISED,
                        "no source given: imported as Any and written back as \"*\""));
                return AllowedSources.any();
            }
            if (given.size() == 1 && given.get(0).equals("*")) {
                return AllowedSources.any();
            }
            List<IpPrefix> prefixes = new ArrayList<>();
            for (int i = 0; i < given.size(); i++) {
                String s = given.get(i);
                String fp = path + (given.size() == 1 ? ".allowedSourceAddressPrefix" : ".allowedSourceAddressPrefixes["
                        + i + "]");
                String why = IpPrefix.problem(s);
                if (why != null || s.equals("*")) {
                    skip.add(Finding.of(fp, s, Finding.Kind.VM_SKIPPED, "not an IP address or CIDR"
                            + (s.equals("*") ? " (* alone means Any; inside a list it is refused)" : ": " + why)));
                    continue;
                }
                IpPrefix ip = IpPrefix.of(s);
                if (!ip.toString().equals(s)) {
                    normalised(fp, s, ip.toString());
                }
                prefixes.add(ip);
            }
            return prefixes.size() == given.size() && !prefixes.isEmpty() ? AllowedSources.prefixes(prefixes)
                    : AllowedSources.any();
        }

        Duration duration(String text, String path, List<Finding> skip) {
            Duration d;
            try {
                d = Duration.parse(text);
            } catch (DateTimeParseException e) {
                skip.add(Finding.of(path, text, Finding.Kind.VM_SKIPPED, "not an ISO-8601 duration of days, hours, "
                        + "minutes and seconds (e.g. PT3H)"));
                return Duration.ofHours(1);
            }
            if (d.compareTo(limits.minimum()) < 0 || d.compareTo(limits.maximum()) > 0) {
                skip.add(Finding.of(path, text, Finding.Kind.VM_SKIPPED, "outside the limits " + limits.minimum()
                        + ".." + limits.maximum() + " (DefenderImporter.withLimits)"));
                return Duration.ofHours(1);
            }
            if (!d.toString().equals(text)) {
                normalised(path, text, d.toString());
            }
            return d;
        }

        void normalised(String path, String given, String written) {
            findings.add(Finding.of(path, given, Finding.Kind.NORMALISED, "written back as " + written));
        }

        // -------------------------------------------------------------------------------------------- history

        void request(JsonNode r, String path, String key, Map<VmId, JitPolicy> vms, List<Grant> out) {
            if (!r.isObject()) {
                bad(path, r, "must be a request object");
                return;
            }
            unknownFields(r, path + ".", REQUEST, Set.of());
            int before = violations.size();
            Instant start = instant(r.get("startTimeUtc"), path + ".startTimeUtc");
            JsonNode requestor = r.get("requestor");
            if (requestor == null || !requestor.isTextual()) {
                bad(path + ".requestor", requestor, "must be a string (required)");
            }
            JsonNode justification = r.get("justification");
            if (justification != null && !justification.isNull() && !justification.isTextual()) {
                bad(path + ".justification", justification, "must be a string");
            }
            JsonNode rvms = r.get("virtualMachines");
            if (rvms == null || !rvms.isArray()) {
                bad(path + ".virtualMachines", rvms, "must be an array (required)");
                return;
            }
            String requestId = uuid(key);
            for (int i = 0; i < rvms.size(); i++) {
                String vp = path + ".virtualMachines[" + i + "]";
                JsonNode v = rvms.get(i);
                if (!v.isObject()) {
                    bad(vp, v, "must be a VM object");
                    continue;
                }
                unknownFields(v, vp + ".", REQUEST_VM, Set.of());
                JsonNode idNode = v.get("id");
                JsonNode ports = v.get("ports");
                if (idNode == null || !idNode.isTextual()) {
                    bad(vp + ".id", idNode, "must be the VM's ARM id (required string)");
                }
                if (ports == null || !ports.isArray()) {
                    bad(vp + ".ports", ports, "must be an array (required)");
                    continue;
                }
                Optional<VmId> vmId = idNode != null && idNode.isTextual() ? parseVm(idNode.textValue())
                        : Optional.empty();
                for (int j = 0; j < ports.size(); j++) {
                    String pp = vp + ".ports[" + j + "]";
                    requestPort(ports.get(j), pp, key + "/" + i + "/" + j, requestId, vmId, idNode, vms,
                            start, requestor, justification, before).ifPresent(out::add);
                }
            }
        }

        Optional<Grant> requestPort(JsonNode p, String path, String key, String requestId, Optional<VmId> vmId,
                                    JsonNode idNode, Map<VmId, JitPolicy> vms, Instant start, JsonNode requestor,
                                    JsonNode justification, int violationsBefore) {
            if (!p.isObject()) {
                bad(path, p, "must be a port object");
                return Optional.empty();
            }
            unknownFields(p, path + ".", REQUEST_PORT, Set.of());
            if (p.has("mappedPort") && !p.get("mappedPort").isNull()) {
                ignored(path + ".mappedPort", p.get("mappedPort"), "the Azure Firewall port mapped to this port: "
                        + "firewall access is not modelled");
            }
            int before = violations.size();
            Integer number = portNumber(p, path);
            Instant end = instant(p.get("endTimeUtc"), path + ".endTimeUtc");
            JsonNode status = p.get("status");
            if (status == null || !status.isTextual()) {
                bad(path + ".status", status, "must be a string such as Initiated or Revoked (required)");
            }
            JsonNode reason = p.get("statusReason");
            if (reason == null || !reason.isTextual()) {
                bad(path + ".statusReason", reason, "must be a string such as Expired, UserRequested or "
                        + "NewerRequestInitiated (required)");
            }
            Optional<List<String>> src = sources(p, path, false);
            if (violations.size() > before || violations.size() > violationsBefore) {
                return Optional.empty();
            }
            int f = findings.size();
            if (vmId.isEmpty()) {
                skipRequest(path.substring(0, path.lastIndexOf(".ports[")) + ".id", idNode.textValue(),
                        "not an ARM virtual machine id");
            }
            if (number == 0) {
                skipRequest(path + ".number", 0, "port 0 cannot be opened");
            }
            Optional<GrantStatus> st = GrantStatus.parse(status.textValue());
            if (st.isEmpty()) {
                skipRequest(path + ".status", status.textValue(), "unknown status (Defender's examples show "
                        + "Initiating, outside its own enum); the library knows Initiated and Revoked");
            }
            Optional<StatusReason> why = statusReason(reason.textValue());
            if (why.isEmpty()) {
                skipRequest(path + ".statusReason", reason.textValue(), "unknown status reason; the library knows "
                        + "Expired, UserRequested and NewerRequestInitiated");
            }
            String source = "";
            if (src.isPresent() && src.get().size() > 1) {
                skipRequest(path + ".allowedSourceAddressPrefixes", src.get(), "a grant has one source");
            } else if (src.isPresent()) {
                source = src.get().get(0);
                if (p.hasNonNull("allowedSourceAddressPrefixes")) {
                    normalised(path + ".allowedSourceAddressPrefixes", "[\"" + source + "\"]",
                            "allowedSourceAddressPrefix \"" + source + "\"");
                }
            }
            if (findings.subList(f, findings.size()).stream().anyMatch(x -> x.kind() == Finding.Kind.REQUEST_SKIPPED)) {
                return Optional.empty();
            }
            int n = number;
            Protocol protocol = Optional.ofNullable(vms.get(vmId.get())).flatMap(v -> v.port(n)).map(PortRule::protocol).orElse(Protocol.ANY);
            return Optional.of(Grant.builder().id(uuid(key)).requestId(requestId).vmId(vmId.get()).number(n)
                    .protocol(protocol).source(source).requestor(requestor.textValue())
                    .justification(justification == null || justification.isNull() ? null
                            : justification.textValue())
                    .startTimeUtc(start).endTimeUtc(end).status(st.get()).statusReason(why.get()).build());
        }

        void skipRequest(String path, Object value, String reason) {
            findings.add(Finding.of(path, value, Finding.Kind.REQUEST_SKIPPED, reason));
        }

        Instant instant(JsonNode n, String path) {
            if (n == null || !n.isTextual()) {
                bad(path, n, "must be a date-time string such as 2018-07-12T09:53:03.3658798Z (required)");
                return null;
            }
            String s = n.textValue();
            Instant t;
            try {
                t = OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e) {
                bad(path, n, "must be an ISO-8601 date-time with an offset, such as 2018-07-12T09:53:03Z");
                return null;
            }
            if (!DefenderJson.instant(t).equals(s)) {
                normalised(path, s, DefenderJson.instant(t));
            }
            return t;
        }
    }

    private static Optional<StatusReason> statusReason(String s) {
        for (StatusReason r : StatusReason.values()) {
            if (r.text().equalsIgnoreCase(s)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private static Optional<VmId> parseVm(String s) {
        try {
            return Optional.of(VmId.of(s));
        } catch (ValidationException e) {
            return Optional.empty();
        }
    }

    /** A stable id from a document position: importing the same document twice gives the same ids. */
    static String uuid(String key) {
        return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static String text(JsonNode n) {
        if (n == null) {
            return null;
        }
        return n.isTextual() ? n.textValue() : n.toString();
    }
}
