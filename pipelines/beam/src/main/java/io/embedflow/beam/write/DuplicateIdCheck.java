package io.embedflow.beam.write;

import io.embedflow.beam.BeamPipelineException;
import io.embedflow.beam.embed.EmbedTexts;
import io.embedflow.beam.embed.EmbeddedText;
import io.embedflow.beam.embed.RejectedText;
import io.embedflow.connectors.shard.IdType;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Fails the pipeline on an id seen twice among the embedded and the rejected rows, naming both places (the first two
 * in file and row order). Ids are spread over buckets by their hash ({@link #buckets}: about
 * {@value #IDS_PER_BUCKET} ids each), and each bucket is checked in memory: a runner then handles a few keys instead
 * of one per row, which on the DirectRunner is most of the check's cost, and each worker holds at most a bucket's ids.
 * It emits nothing, but the committer consumes its (empty) output, so no table is published before the check is done.
 */
final class DuplicateIdCheck extends PTransform<PCollectionTuple, PCollection<PartDescriptor>> {
    private static final long serialVersionUID = 1L;
    /** Ids a bucket holds on average. */
    static final int IDS_PER_BUCKET = 100_000;
    private static final int MIN_BUCKETS = 16;
    private static final int MAX_BUCKETS = 1 << 16;

    private final IdType idType;
    private final List<String> files;
    private final int buckets;

    DuplicateIdCheck(IdType idType, List<String> files, long plannedRows) {
        this.idType = idType;
        this.files = List.copyOf(files);
        this.buckets = buckets(plannedRows);
    }

    /** Buckets for {@code rows} rows: enough for about {@value #IDS_PER_BUCKET} ids each, within bounds. */
    static int buckets(long rows) {
        return (int) Math.max(MIN_BUCKETS, Math.min(MAX_BUCKETS, (rows + IDS_PER_BUCKET - 1) / IDS_PER_BUCKET));
    }

    /** Checks the {@link EmbedTexts#EMBEDDED} and {@link EmbedTexts#REJECTED} rows of {@code rows}; the output is always empty. */
    @Override
    public PCollection<PartDescriptor> expand(PCollectionTuple rows) {
        PCollection<EmbeddedText> embedded = rows.get(EmbedTexts.EMBEDDED);
        PCollection<RejectedText> rejected = rows.get(EmbedTexts.REJECTED);
        KvCoder<Integer, KV<String, IdPlace>> coder = KvCoder.of(VarIntCoder.of(),
                KvCoder.of(StringUtf8Coder.of(), IdPlaceCoder.of()));
        TypeDescriptor<KV<Integer, KV<String, IdPlace>>> type = TypeDescriptors.kvs(TypeDescriptors.integers(),
                TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptor.of(IdPlace.class)));
        IdType ids = idType;
        int n = buckets;
        PCollection<KV<Integer, KV<String, IdPlace>>> fromEmbedded = embedded.apply("EmbeddedIds", MapElements.into(type)
                .via((EmbeddedText e) -> bucketed(n, idKey(ids, e.idLong(), e.idString()), new IdPlace(e.fileIndex(), e.rowInFile()))))
                .setCoder(coder);
        PCollection<KV<Integer, KV<String, IdPlace>>> fromRejected = rejected.apply("RejectedIds", MapElements.into(type)
                .via((RejectedText r) -> bucketed(n, idKey(ids, r.idLong(), r.idString()), new IdPlace(r.fileIndex(), r.rowInFile()))))
                .setCoder(coder);
        return PCollectionList.of(fromEmbedded).and(fromRejected)
                .apply("AllIds", Flatten.pCollections())
                .apply("IdsByBucket", GroupByKey.create())
                .apply("FailOnRepeat", ParDo.of(new FailOnRepeat(files)))
                .setCoder(SerializableCoder.of(PartDescriptor.class));
    }

    private static KV<Integer, KV<String, IdPlace>> bucketed(int buckets, String id, IdPlace place) {
        return KV.of(Math.floorMod(id.hashCode(), buckets), KV.of(id, place));
    }

    /** A row's id as the check compares it: the string id, or the decimal text of a numeric one (as the Flink job). */
    static String idKey(IdType idType, long idLong, String idString) {
        return idType == IdType.STRING ? idString : Long.toString(idLong);
    }

    /**
     * Throws for an id of the bucket seen twice, naming its first two places (of the repeated ids, the one seen
     * first); emits nothing.
     */
    static final class FailOnRepeat extends DoFn<KV<Integer, Iterable<KV<String, IdPlace>>>, PartDescriptor> {
        private static final long serialVersionUID = 1L;

        private final List<String> files;

        FailOnRepeat(List<String> files) {
            this.files = files;
        }

        @ProcessElement
        public void process(@Element KV<Integer, Iterable<KV<String, IdPlace>>> bucket) {
            Map<String, IdPlace> first = new HashMap<>();
            Map<String, IdPlace[]> repeated = new HashMap<>();
            for (KV<String, IdPlace> id : bucket.getValue()) {
                IdPlace place = id.getValue();
                IdPlace seen = first.putIfAbsent(id.getKey(), place);
                if (seen == null) {
                    continue;
                }
                IdPlace[] two = repeated.computeIfAbsent(id.getKey(), k -> new IdPlace[] {seen, null});
                keepFirstTwo(two, place);
            }
            repeated.entrySet().stream()
                    .min(Comparator.comparing((Map.Entry<String, IdPlace[]> e) -> e.getValue()[0]))
                    .ifPresent(e -> {
                        IdPlace a = e.getValue()[0];
                        IdPlace b = e.getValue()[1];
                        throw new BeamPipelineException("duplicate id '" + e.getKey() + "' in " + SourceFiles.name(files,
                                a.fileIndex()) + " row " + a.rowInFile() + " and " + SourceFiles.name(files, b.fileIndex())
                                + " row " + b.rowInFile() + " (set allowDuplicateIds to embed both)");
                    });
        }

        /** {@code two} holds the first place seen and maybe a second; keeps the two smallest of them and {@code place}. */
        private static void keepFirstTwo(IdPlace[] two, IdPlace place) {
            if (two[1] == null) {
                two[1] = place;
            } else if (place.compareTo(two[1]) < 0) {
                two[1] = place;
            }
            if (two[1].compareTo(two[0]) < 0) {
                IdPlace t = two[0];
                two[0] = two[1];
                two[1] = t;
            }
        }
    }
}
