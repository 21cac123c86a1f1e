package io.jitaccess.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jitaccess.core.ValidationException;
import io.jitaccess.inmemory.InMemoryNetwork;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorldTest {
    @TempDir
    Path dir;

    @Test
    void theDemoWorldRoundTripsThroughItsFile() {
        World demo = World.demo();
        InMemoryNetwork net = demo.build();
        assertThat(net.vms()).extracting(v -> v.name()).containsExactly("web-01", "web-02", "db-01");
        World saved = demo.withRulesOf(net);
        assertThat(saved).isEqualTo(demo);
        Path f = dir.resolve("w.json");
        saved.save(f);
        assertThat(World.load(f)).isEqualTo(demo);
    }

    @Test
    void theClockOffsetAdds() {
        assertThat(World.demo().advanced(Duration.ofHours(2)).advanced(Duration.ofMinutes(1)).offset())
                .isEqualTo(Duration.ofMinutes(121));
    }

    @Test
    void aMissingFileIsTheDemoWorld() {
        assertThat(World.load(dir.resolve("none.json"))).isEqualTo(World.demo());
    }

    @Test
    void shortAndIsoDurations() {
        assertThat(Specs.duration("d", "1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Specs.duration("d", "PT2H")).isEqualTo(Duration.ofHours(2));
        assertThatThrownBy(() -> Specs.duration("d", "0m")).isInstanceOf(ValidationException.class);
    }

    @Test
    void thePrincipalComesFromTheTokensClaims() {
        assertThat(AzurePrincipal.fromJwt(jwt("{\"oid\":\"1234\",\"upn\":\"alice@contoso.com\"}")))
                .isEqualTo("alice@contoso.com");
        assertThat(AzurePrincipal.fromJwt(jwt("{\"unique_name\":\"live.com#bob@x.com\"}")))
                .isEqualTo("live.com#bob@x.com");
        assertThat(AzurePrincipal.fromJwt(jwt("{\"oid\":\"1234\"}"))).isEqualTo("1234");
        assertThatThrownBy(() -> AzurePrincipal.fromJwt(jwt("{}"))).isInstanceOf(CliException.class);
        assertThatThrownBy(() -> AzurePrincipal.fromJwt("opaque")).isInstanceOf(CliException.class)
                .hasMessageNotContaining("opaque");
    }

    private static String jwt(String claims) {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        return b.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".sig";
    }
}
