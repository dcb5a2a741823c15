package io.embedflow.orchestrator.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tests' exposition parser accepts the format's own example and refuses what Prometheus would not read. */
class PrometheusTextTest {

    @Test
    void readsFamiliesLabelsEscapesAndHistograms() {
        PrometheusText text = PrometheusText.parse("""
                # HELP http_requests_total The total number of HTTP requests.
                # TYPE http_requests_total counter
                http_requests_total{method="post",code="200"} 1027 1395066363000
                http_requests_total{method="post",code="400"} 3 1395066363000
                # a comment
                msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
                # TYPE latency_seconds histogram
                latency_seconds_bucket{le="0.5"} 1
                latency_seconds_bucket{le="+Inf"} 2
                latency_seconds_sum 3.5
                latency_seconds_count 2
                weird -Inf
                """);

        assertThat(text.value("http_requests_total", "method", "post", "code", "400")).contains(3.0);
        assertThat(text.families().get("http_requests_total").help()).isEqualTo("The total number of HTTP requests.");
        assertThat(text.families().get("msdos_file_access_time_seconds").samples().get(0).labels())
                .containsEntry("path", "C:\\DIR\\FILE.TXT").containsEntry("error", "Cannot find file:\n\"FILE.TXT\"");
        assertThat(text.families().get("latency_seconds").samples()).hasSize(4);
        assertThat(text.value("weird")).contains(Double.NEGATIVE_INFINITY);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "no_line_feed 1",
        "bad-name 1\n",
        "x{a=\"1\"\n",
        "x{a=1} 1\n",
        "x{a=\"1\",a=\"2\"} 1\n",
        "x 1 2 3\n",
        "x one\n",
        "x{a=\"\\t\"} 1\n",
        "x 1\nx 2\n",
        "x 1\ny 1\nx{a=\"b\"} 1\n",
        "x 1\n# TYPE x gauge\n",
        "# TYPE x meter\nx 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n",
    })
    void refusesMalformedExpositions(String text) {
        assertThatThrownBy(() -> PrometheusText.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
