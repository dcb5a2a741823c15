package io.embedflow.beam.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.junit.jupiter.api.Test;

/** The bucketed duplicate check: a bucket's repeated id is reported with its first two places in file and row order. */
class DuplicateIdCheckTest {

    static final List<String> FILES = List.of("a.parquet", "b.parquet", "c.parquet");

    static void check(List<KV<String, IdPlace>> ids) {
        TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        pipeline.apply(Create.of(List.of(KV.<Integer, Iterable<KV<String, IdPlace>>>of(3, ids)))
                        .withCoder(KvCoder.of(VarIntCoder.of(),
                                IterableCoder.of(KvCoder.of(StringUtf8Coder.of(), IdPlaceCoder.of())))))
                .apply(ParDo.of(new DuplicateIdCheck.FailOnRepeat(FILES)));
        pipeline.run().waitUntilFinish();
    }

    @Test
    void anIdSeenThreeTimesIsReportedWithItsFirstTwoPlacesWhateverTheOrder() {
        assertThatThrownBy(() -> check(List.of(
                KV.of("x", new IdPlace(0, 1)),
                KV.of("42", new IdPlace(2, 9)),
                KV.of("y", new IdPlace(1, 1)),
                KV.of("42", new IdPlace(1, 30)),
                KV.of("42", new IdPlace(1, 4)))))
                .hasStackTraceContaining("duplicate id '42' in b.parquet row 4 and b.parquet row 30");
    }

    @Test
    void ofSeveralRepeatedIdsTheOneSeenFirstInTheFilesIsReported() {
        assertThatThrownBy(() -> check(List.of(
                KV.of("late", new IdPlace(2, 5)),
                KV.of("early", new IdPlace(0, 7)),
                KV.of("late", new IdPlace(2, 6)),
                KV.of("early", new IdPlace(1, 0)))))
                .hasStackTraceContaining("duplicate id 'early' in a.parquet row 7 and b.parquet row 0");
    }

    @Test
    void distinctIdsPass() {
        check(List.of(KV.of("1", new IdPlace(0, 0)), KV.of("2", new IdPlace(0, 1))));
    }

    @Test
    void bucketsGrowWithTheRowsWithinBounds() {
        assertThat(DuplicateIdCheck.buckets(0)).isEqualTo(16);
        assertThat(DuplicateIdCheck.buckets(20_000)).isEqualTo(16);
        assertThat(DuplicateIdCheck.buckets(10_000_000)).isEqualTo(100);
        assertThat(DuplicateIdCheck.buckets(Long.MAX_VALUE / 2)).isEqualTo(1 << 16);
    }
}
