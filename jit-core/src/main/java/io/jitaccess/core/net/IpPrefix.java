package io.jitaccess.core.net;

import org.jspecify.annotations.Nullable;
import io.jitaccess.core.ValidationException;
import java.math.BigInteger;
import java.util.Objects;
import java.util.Optional;

/**
 * An IPv4 or IPv6 address prefix (CIDR block) in canonical form.
 *
 * <p>A single address is a prefix of full length ({@code /32} or {@code /128}) and prints without the length
 * ({@code 10.0.0.5}); a network prints with it ({@code 10.0.0.0/24}, {@code 2001:db8::/32}). IPv6 is printed in the
 * RFC 5952 canonical form (lower case, longest zero run compressed).
 *
 * <p><b>Host bits are rejected, not normalised.</b> {@code 10.0.0.5/24} is refused with a message that names the
 * network {@code 10.0.0.0/24}: in a security rule a prefix with host bits set is almost always a typo (the operator
 * meant one host or meant the whole network), and silently widening or narrowing it would open something nobody asked
 * for. ARM itself historically refused such prefixes ("invalid Address prefix").
 *
 * <p>Parsing accepts ASCII digits only (no full-width or other Unicode digits) and never performs DNS resolution. Zone ids ({@code fe80::1%eth0}), leading zeros in IPv4 octets
 * ({@code 010.0.0.1}, ambiguous octal) and whitespace are rejected. IPv4-mapped IPv6 addresses
 * ({@code ::ffff:1.2.3.4}) are IPv6 prefixes and never contain or equal an IPv4 prefix.
 *
 * <p>Immutable and thread-safe.
 *
 * @param ipv6   whether this is an IPv6 prefix
 * @param high   the upper 64 bits of the address (always 0 for IPv4)
 * @param low    the lower 64 bits of the address (IPv4 uses the low 32 bits)
 * @param length the prefix length, 0..32 for IPv4 and 0..128 for IPv6
 */
public record IpPrefix(boolean ipv6, long high, long low, int length) implements Comparable<IpPrefix> {

    /** {@code 0.0.0.0/0}: every IPv4 address. */
    public static final IpPrefix ANY_IPV4 = new IpPrefix(false, 0, 0, 0);
    /** {@code ::/0}: every IPv6 address. */
    public static final IpPrefix ANY_IPV6 = new IpPrefix(true, 0, 0, 0);

    /** Validates the components; host bits must be zero. */
    public IpPrefix {
        int max = ipv6 ? 128 : 32;
        if (length < 0 || length > max) {
            throw new IllegalArgumentException("prefix length " + length + " outside 0.." + max);
        }
        if (!ipv6 && (high != 0 || (low >>> 32) != 0)) {
            throw new IllegalArgumentException("IPv4 address out of range");
        }
        if (!hostBitsZero(ipv6, high, low, length)) {
            throw new IllegalArgumentException("host bits set for prefix length " + length);
        }
    }

    /**
     * Parses a prefix strictly.
     *
     * @param text the prefix, e.g. {@code 10.0.0.5}, {@code 10.0.0.0/24}, {@code 2001:db8::/32}
     * @return the prefix
     * @throws ValidationException naming the field {@code prefix} and the value when the text is not a canonical prefix
     */
    public static IpPrefix of(String text) {
        return of("prefix", text);
    }

    /**
     * Parses a prefix strictly, reporting errors against the given field path.
     *
     * @param field the field path to name in a violation
     * @param text  the prefix text
     * @return the prefix
     * @throws ValidationException when the text is not a canonical prefix
     */
    public static IpPrefix of(String field, String text) {
        String reason = problem(text);
        if (reason != null) {
            throw ValidationException.single(field, text, reason);
        }
        return parse(text).orElseThrow();
    }

    /**
     * Parses leniently: empty when the text is not a valid canonical prefix.
     *
     * @param text the text, may be null
     * @return the prefix, or empty
     */
    public static Optional<IpPrefix> parse(@Nullable String text) {
        if (problem(text) != null) {
            return Optional.empty();
        }
        return Optional.of(doParse(text));
    }

    /**
     * Explains why a text is not a canonical prefix.
     *
     * @param text the text, may be null
     * @return null when valid, else the reason
     */
    public static @Nullable String problem(@Nullable String text) {
        if (text == null) {
            return "must not be null";
        }
        if (text.isEmpty()) {
            return "must not be empty";
        }
        if (!text.strip().equals(text) || text.chars().anyMatch(Character::isWhitespace)) {
            return "must not contain whitespace";
        }
        try {
            IpPrefix p = doParseUnchecked(text);
            if (p == null) {
                return "is not an IPv4 or IPv6 address or CIDR prefix";
            }
            return null;
        } catch (HostBits e) {
            return "has host bits set; did you mean " + e.network + "?";
        } catch (BadLength e) {
            return e.getMessage();
        }
    }

    private static IpPrefix doParse(String text) {
        try {
            return doParseUnchecked(text);
        } catch (HostBits | BadLength e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class HostBits extends Exception {
        final IpPrefix network;

        HostBits(IpPrefix network) {
            super(null, null, false, false);
            this.network = network;
        }
    }

    private static final class BadLength extends Exception {
        BadLength(String message) {
            super(message, null, false, false);
        }
    }

    private static IpPrefix doParseUnchecked(String text) throws HostBits, BadLength {
        String addr = text;
        Integer len = null;
        int slash = text.indexOf('/');
        if (slash >= 0) {
            addr = text.substring(0, slash);
            String l = text.substring(slash + 1);
            if (l.isEmpty() || l.length() > 3 || !l.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (l.length() > 1 && l.charAt(0) == '0')) {
                throw new BadLength("has an invalid prefix length '" + l + "'");
            }
            len = Integer.parseInt(l);
        }
        boolean v6 = addr.indexOf(':') >= 0;
        long[] bits = v6 ? parseV6(addr) : parseV4(addr);
        if (bits == null) {
            return null;
        }
        int max = v6 ? 128 : 32;
        int length = len == null ? max : len;
        if (length > max) {
            throw new BadLength("has prefix length " + length + " above the maximum " + max + " for "
                    + (v6 ? "IPv6" : "IPv4"));
        }
        if (!hostBitsZero(v6, bits[0], bits[1], length)) {
            long[] masked = mask(v6, bits[0], bits[1], length);
            throw new HostBits(new IpPrefix(v6, masked[0], masked[1], length));
        }
        return new IpPrefix(v6, bits[0], bits[1], length);
    }

    private static long[] parseV4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            if (p.length() > 1 && p.charAt(0) == '0') {
                return null; // ambiguous octal
            }
            int o = Integer.parseInt(p);
            if (o > 255) {
                return null;
            }
            v = (v << 8) | o;
        }
        return new long[] {0, v};
    }

    private static long[] parseV6(String s) {
        if (s.indexOf('%') >= 0 || s.isEmpty()) {
            return null;
        }
        int dbl = s.indexOf("::");
        if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
            return null;
        }
        String head = dbl >= 0 ? s.substring(0, dbl) : s;
        String tail = dbl >= 0 ? s.substring(dbl + 2) : "";
        int[] h = groups(head, dbl < 0);
        int[] t = dbl >= 0 ? groups(tail, true) : new int[0];
        if (h == null || t == null) {
            return null;
        }
        int total = h.length + t.length;
        if (dbl < 0 && total != 8) {
            return null;
        }
        if (dbl >= 0 && total > 7) {
            return null;
        }
        int[] g = new int[8];
        System.arraycopy(h, 0, g, 0, h.length);
        System.arraycopy(t, 0, g, 8 - t.length, t.length);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) {
            hi = (hi << 16) | g[i];
        }
        for (int i = 4; i < 8; i++) {
            lo = (lo << 16) | g[i];
        }
        return new long[] {hi, lo};
    }

    /** Parses colon-separated hex groups; an embedded IPv4 is allowed as the last element when allowV4Tail. */
    private static int[] groups(String s, boolean allowV4Tail) {
        if (s.isEmpty()) {
            return new int[0];
        }
        String[] parts = s.split(":", -1);
        int extra = 0;
        String last = parts[parts.length - 1];
        long[] v4 = null;
        if (last.indexOf('.') >= 0) {
            if (!allowV4Tail) {
                return null;
            }
            v4 = parseV4(last);
            if (v4 == null) {
                return null;
            }
            extra = 1;
        }
        int n = parts.length - (v4 != null ? 1 : 0);
        int[] out = new int[n + extra * 2];
        for (int i = 0; i < n; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 4) {
                return null;
            }
            int v = 0;
            for (int k = 0; k < p.length(); k++) {
                int d = hexDigit(p.charAt(k));
                if (d < 0) {
                    return null;
                }
                v = (v << 4) | d;
            }
            out[i] = v;
        }
        if (v4 != null) {
            out[n] = (int) ((v4[1] >>> 16) & 0xffff);
            out[n + 1] = (int) (v4[1] & 0xffff);
        }
        return out;
    }

    /** An ASCII hex digit's value, else -1 ({@link Character#digit(char, int)} also accepts full-width digits). */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean hostBitsZero(boolean v6, long hi, long lo, int length) {
        long[] m = mask(v6, hi, lo, length);
        return m[0] == hi && m[1] == lo;
    }

    private static long[] mask(boolean v6, long hi, long lo, int length) {
        if (!v6) {
            long m = length == 0 ? 0 : (0xffffffffL << (32 - length)) & 0xffffffffL;
            return new long[] {0, lo & m};
        }
        long mh;
        long ml;
        if (length <= 64) {
            mh = length == 0 ? 0 : -1L << (64 - length);
            ml = 0;
        } else {
            mh = -1L;
            ml = length == 128 ? -1L : -1L << (128 - length);
        }
        return new long[] {hi & mh, lo & ml};
    }

    /** Whether this prefix is a single address (/32 or /128). */
    public boolean isHost() {
        return length == (ipv6 ? 128 : 32);
    }

    /** Whether this prefix covers every address of its family (/0). */
    public boolean isAny() {
        return length == 0;
    }

    /**
     * Whether every address of {@code other} lies inside this prefix (same family only).
     *
     * @param other the prefix to test
     * @return true when other is equal to or inside this prefix
     */
    public boolean contains(IpPrefix other) {
        Objects.requireNonNull(other, "other");
        if (other.ipv6 != ipv6 || other.length < length) {
            return false;
        }
        long[] m = mask(ipv6, other.high, other.low, length);
        return m[0] == high && m[1] == low;
    }

    /** Whether the two prefixes share at least one address. */
    public boolean overlaps(IpPrefix other) {
        return contains(other) || other.contains(this);
    }

    /** The first address of this prefix, as a host prefix. */
    public IpPrefix firstAddress() {
        return new IpPrefix(ipv6, high, low, ipv6 ? 128 : 32);
    }

    /** The last address of this prefix, as a host prefix. */
    public IpPrefix lastAddress() {
        BigInteger size = BigInteger.ONE.shiftLeft((ipv6 ? 128 : 32) - length).subtract(BigInteger.ONE);
        BigInteger last = toBigInteger().add(size);
        return fromBigInteger(ipv6, last, ipv6 ? 128 : 32);
    }

    /**
     * The address just after this prefix (same family), if any: a host that lies outside this prefix.
     *
     * @return the next address, or empty at the end of the address space
     */
    public Optional<IpPrefix> addressAfter() {
        BigInteger next = lastAddress().toBigInteger().add(BigInteger.ONE);
        if (next.bitLength() > (ipv6 ? 128 : 32)) {
            return Optional.empty();
        }
        return Optional.of(fromBigInteger(ipv6, next, ipv6 ? 128 : 32));
    }

    /**
     * The address just before this prefix (same family), if any.
     *
     * @return the previous address, or empty at the start of the address space
     */
    public Optional<IpPrefix> addressBefore() {
        BigInteger prev = toBigInteger().subtract(BigInteger.ONE);
        if (prev.signum() < 0) {
            return Optional.empty();
        }
        return Optional.of(fromBigInteger(ipv6, prev, ipv6 ? 128 : 32));
    }

    private BigInteger toBigInteger() {
        if (!ipv6) {
            return BigInteger.valueOf(low);
        }
        return new BigInteger(Long.toUnsignedString(high)).shiftLeft(64).or(new BigInteger(Long.toUnsignedString(low)));
    }

    private static IpPrefix fromBigInteger(boolean v6, BigInteger v, int length) {
        long lo = v.longValue();
        long hi = v.shiftRight(64).longValue();
        return new IpPrefix(v6, v6 ? hi : 0, v6 ? lo : lo & 0xffffffffL, length);
    }

    @Override
    public int compareTo(IpPrefix o) {
        int c = Boolean.compare(ipv6, o.ipv6);
        if (c == 0) {
            c = Long.compareUnsigned(high, o.high);
        }
        if (c == 0) {
            c = Long.compareUnsigned(low, o.low);
        }
        if (c == 0) {
            c = Integer.compare(length, o.length);
        }
        return c;
    }

    /** The canonical text: address alone for a host, else {@code address/length}. */
    @Override
    public String toString() {
        String a = ipv6 ? v6Text() : v4Text();
        return isHost() ? a : a + "/" + length;
    }

    private String v4Text() {
        return ((low >>> 24) & 0xff) + "." + ((low >>> 16) & 0xff) + "." + ((low >>> 8) & 0xff) + "." + (low & 0xff);
    }

    private String v6Text() {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) ((high >>> (48 - 16 * i)) & 0xffff);
            g[i + 4] = (int) ((low >>> (48 - 16 * i)) & 0xffff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] == 0) {
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
