package io.jitaccess.azure.implementation;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code Retry-After} is read as delta-seconds in ASCII digits only; anything else means "no hint". */
class RetryAfterTest {

    static Optional<Duration> parse(String header) {
        HttpHeaders h = new HttpHeaders().set(HttpHeaderName.RETRY_AFTER, header);
        HttpResponse r = new HttpResponse(new HttpRequest(HttpMethod.GET, "http://127.0.0.1/")) {
            @Override
            public int getStatusCode() {
                return 429;
            }

            @Override
            @Deprecated
            public String getHeaderValue(String name) {
                return h.getValue(name);
            }

            @Override
            public HttpHeaders getHeaders() {
                return h;
            }

            @Override
            public Flux<ByteBuffer> getBody() {
                return Flux.empty();
            }

            @Override
            public Mono<byte[]> getBodyAsByteArray() {
                return Mono.just(new byte[0]);
            }

            @Override
            public Mono<String> getBodyAsString() {
                return Mono.just("");
            }

            @Override
            public Mono<String> getBodyAsString(Charset charset) {
                return Mono.just("");
            }
        };
        return ErrorMapper.retryAfter(new HttpResponseException("throttled", r));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"7|PT7S", "' 12 '|PT12S", "0|PT0S"})
    void asciiDeltaSeconds(String header, String expected) {
        assertThat(parse(header)).contains(Duration.parse(expected));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"+5", "-5", "\u0661\u0662", "\uff15", "5.5", "Wed, 21 Oct 2015 07:28:00 GMT",
        "99999999999999999999", "''"})
    void anythingElseIsNoHint(String header) {
        assertThat(parse(header)).isEmpty();
    }
}
