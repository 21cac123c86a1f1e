package io.jitaccess.cli;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The caller on Azure: the user (or identity) of the credential's ARM token, read from the token's claims
 * ({@code upn}, {@code unique_name}, {@code preferred_username}, {@code email} then {@code oid}). The token is
 * decoded, never verified (ARM verifies it on every call), and never printed or logged. Stateless.
 */
final class AzurePrincipal {
    private static final List<String> CLAIMS = List.of("upn", "unique_name", "preferred_username", "email", "oid");

    private AzurePrincipal() {
    }

    static String of(TokenCredential credential) {
        AccessToken token;
        try {
            token = credential.getToken(new TokenRequestContext()
                    .addScopes("https://management.azure.com/.default")).block();
        } catch (RuntimeException e) {
            throw new CliException(ExitCodes.REFUSED, "credential: no Azure token (az login, or set AZURE_CLIENT_ID/"
                    + "AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or run with a managed identity)");
        }
        if (token == null) {
            throw new CliException(ExitCodes.REFUSED, "credential: no Azure token");
        }
        return fromJwt(token.getToken());
    }

    /** The principal named by a JWT's claims; a token that is no JWT, or names nobody, is refused. */
    static String fromJwt(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            throw new CliException(ExitCodes.REFUSED, "credential: the token is not a JWT");
        }
        JsonNode claims;
        try {
            claims = new ObjectMapper().readTree(new String(Base64.getUrlDecoder().decode(parts[1]),
                    StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new CliException(ExitCodes.REFUSED, "credential: the token's claims cannot be read");
        }
        for (String c : CLAIMS) {
            JsonNode v = claims.get(c);
            if (v != null && v.isTextual() && !v.asText().isBlank()) {
                return v.asText();
            }
        }
        throw new CliException(ExitCodes.REFUSED, "credential: the token names no user (no upn, unique_name or oid claim)");
    }
}
