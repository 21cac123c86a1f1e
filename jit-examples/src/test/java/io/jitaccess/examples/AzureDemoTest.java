package io.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AzureDemoTest {
    @Test
    void explainsWhatItNeedsWhenTheEnvironmentIsMissing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = AzureDemo.run(Map.of("AZURE_SUBSCRIPTION_ID", "sub"), new PrintStream(bytes, true,
                StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(code).isEqualTo(2);
        assertThat(out).contains("JIT_VM_ID").contains("JIT_SOURCE_IP")
                .contains("Microsoft.Network/networkSecurityGroups/securityRules/write");
    }
}
