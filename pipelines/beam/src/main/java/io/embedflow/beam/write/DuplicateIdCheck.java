package io.embedflow.beam.write;

import io.embedflow.beam.BeamPipelineException;
import io.embedflow.beam.embed.EmbedTexts;
import io.embedflow.beam.embed.EmbeddedText;
import io.embedflow.beam.embed.RejectedText;
import io.embedflow.connectors.shard.IdType;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
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
 * Fails the pipeline on the first id seen twice among the embedded and the rejected rows, naming both places (the
 * first two in file and row order). Ids are counted per key with a combiner that keeps at most two places, so the
 * check shuffles little. It emits nothing, but the committer consumes its (empty) output, so no table is published
 * before the check is done.
 */
final class DuplicateIdCheck extends PTransform<PCollectionTuple, PCollection<PartDescriptor>> {
    private static final long serialVersionUID = 1L;

    private final IdType idType;
    private final List<String> files;

    DuplicateIdCheck(IdType idType, List<String> files) {
        this.idType = idType;
        this.files = List.copyOf(files);
    }

    /** Checks the {@link EmbedTexts#EMBEDDED} and {@link EmbedTexts#REJECTED} rows of {@code rows}; the output is always empty. */
    @Override
    public PCollection<PartDescriptor> expand(PCollectionTuple rows) {
        PCollection<EmbeddedText> embedded = rows.get(EmbedTexts.EMBEDDED);
        PCollection<RejectedText> rejected = rows.get(EmbedTexts.REJECTED);
        KvCoder<String, IdPlace> coder = KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(IdPlace.class));
        TypeDescriptor<KV<String, IdPlace>> type = TypeDescriptors.kvs(TypeDescriptors.strings(),
                TypeDescriptor.of(IdPlace.class));
        IdType ids = idType;
        PCollection<KV<String, IdPlace>> fromEmbedded = embedded.apply("EmbeddedIds", MapElements.into(type)
                .via((EmbeddedText e) -> KV.of(idKey(ids, e.idLong(), e.idString()), new IdPlace(e.fileIndex(), e.rowInFile()))))
                .setCoder(coder);
        PCollection<KV<String, IdPlace>> fromRejected = rejected.apply("RejectedIds", MapElements.into(type)
                .via((RejectedText r) -> KV.of(idKey(ids, r.idLong(), r.idString()), new IdPlace(r.fileIndex(), r.rowInFile()))))
                .setCoder(coder);
        return PCollectionList.of(fromEmbedded).and(fromRejected)
                .apply("AllIds", Flatten.pCollections())
                .apply("CountIds", Combine.perKey(new FirstTwoPlaces()))
                .apply("FailOnRepeat", ParDo.of(new FailOnRepeat(files)))
                .setCoder(SerializableCoder.of(PartDescriptor.class));
    }

    /** A row's id as the check compares it: the string id, or the decimal text of a numeric one (as the Flink job). */
    static String idKey(IdType idType, long idLong, String idString) {
        return idType == IdType.STRING ? idString : Long.toString(idLong);
    }

    /** Keeps the two smallest places of a key; more than one means the id repeats. */
    static final class FirstTwoPlaces extends Combine.CombineFn<IdPlace, List<IdPlace>, List<IdPlace>> {
        private static final long serialVersionUID = 1L;

        @Override
        public List<IdPlace> createAccumulator() {
            return new ArrayList<>(2);
        }

        @Override
        public List<IdPlace> addInput(List<IdPlace> places, IdPlace place) {
            places.add(place);
            places.sort(null);
            if (places.size() > 2) {
                places.remove(2);
            }
            return places;
        }

        @Override
        public List<IdPlace> mergeAccumulators(Iterable<List<IdPlace>> accumulators) {
            List<IdPlace> merged = createAccumulator();
            for (List<IdPlace> places : accumulators) {
                for (IdPlace place : places) {
                    addInput(merged, place);
                }
            }
            return merged;
        }

        @Override
        public List<IdPlace> extractOutput(List<IdPlace> places) {
            return places;
        }

        @Override
        public Coder<List<IdPlace>> getAccumulatorCoder(CoderRegistry registry, Coder<IdPlace> inputCoder)
                throws CannotProvideCoderException {
            return ListCoder.of(inputCoder);
        }

        @Override
        public Coder<List<IdPlace>> getDefaultOutputCoder(CoderRegistry registry, Coder<IdPlace> inputCoder)
                throws CannotProvideCoderException {
            return ListCoder.of(inputCoder);
        }
    }

    /** Throws for a key seen twice; emits nothing. */
    static final class FailOnRepeat extends DoFn<KV<String, List<IdPlace>>, PartDescriptor> {
        private static final long serialVersionUID = 1L;

        private final List<String> files;

        FailOnRepeat(List<String> files) {
            this.files = files;
        }

        @ProcessElement
        public void process(@Element KV<String, List<IdPlace>> id) {
            List<IdPlace> places = id.getValue();
            if (places.size() < 2) {
                return;
            }
            IdPlace a = places.get(0);
            IdPlace b = places.get(1);
            throw new BeamPipelineException("duplicate id '" + id.getKey() + "' in " + SourceFiles.name(files, a.fileIndex())
                    + " row " + a.rowInFile() + " and " + SourceFiles.name(files, b.fileIndex()) + " row "
                    + b.rowInFile() + " (set allowDuplicateIds to embed both)");
        }
    }
}
