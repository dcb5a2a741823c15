package io.embedflow.bench;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The forward-pass FLOPs of a BERT-style encoder, read from its TorchScript parameters.
 *
 * <p>Per token and layer, every weight matrix of the layer is one multiply-add per element
 * (2 FLOPs): for the starter model's layer ({@code qkv} h x 3h, {@code out} h x h, {@code ff1}
 * h x ffn, {@code ff2} ffn x h) that is {@code 2*(4*h*h + 2*h*ffn)}. Attention adds
 * {@code Q.K^T} and {@code softmax.V}, each {@code 2*seq*h} per token over all heads:
 * {@code 2*2*seq*h}, where {@code seq} is the padded width of the batch. So
 *
 * <pre>
 *   FLOPs(batch of r rows, width w) = r*w * (2*layerWeights + layers*4*w*h)
 * </pre>
 *
 * Embedding look-ups, biases, layer norms, GELU, softmax and pooling are O(h + ffn) per token and
 * left out (about 2% of the total for the starter model). The model computes padding positions like real ones, so batches are
 * counted at their padded size. For the starter model (h=128, ffn=512, 2 layers) this is
 * 786,432 + 1,024*w FLOPs per padded token.
 *
 * <p>Layer weights are the 2-D parameters whose name has a layer index ({@code layers.0.},
 * {@code encoder.layer.3.}); 2-D parameters without one are embedding tables (or a pooler that
 * sees only the first token), and the hidden size is the width of the first of them.
 *
 * @param layers encoder layers
 * @param hidden hidden size
 * @param layerWeights weight-matrix elements in all layers together
 */
record ModelFlops(int layers, int hidden, long layerWeights) {
    private static final Pattern LAYER_INDEX = Pattern.compile("\\.(\\d+)\\.");

    static ModelFlops of(Block block) {
        Set<String> layerIds = new TreeSet<>();
        long weights = 0;
        int hidden = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            Shape shape = p.getValue().getArray().getShape();
            if (shape.dimension() != 2) {
                continue;
            }
            Matcher m = LAYER_INDEX.matcher(p.getKey());
            if (m.find()) {
                layerIds.add(p.getKey().substring(0, m.end(1)));
                weights += shape.size();
            } else if (hidden == 0) {
                hidden = (int) shape.get(1);
            }
        }
        if (layerIds.isEmpty() || hidden == 0) {
            throw new IllegalArgumentException("cannot tell the encoder layers from the model's parameters");
        }
        return new ModelFlops(layerIds.size(), hidden, weights);
    }

    /** FLOPs of one forward pass over a batch: {@code paddedTokens} = sum of r*w, {@code paddedTokensByWidth} = sum of r*w*w. */
    double flops(long paddedTokens, long paddedTokensByWidth) {
        return 2.0 * layerWeights * paddedTokens + 4.0 * layers * hidden * paddedTokensByWidth;
    }

    /** The feed-forward width, if each layer is {@code 4*h*h + 2*h*ffn} weights (BERT-style). */
    long ffn() {
        long perLayer = layerWeights / layers;
        return (perLayer - 4L * hidden * hidden) / (2L * hidden);
    }

    String describe() {
        return String.format("layers=%d hidden=%d ffn=%d (from the weights); FLOPs per padded token = "
                        + "2*%,d + %d*width = %,.0f + %,d*width", layers, hidden, ffn(), layerWeights,
                4 * layers * hidden, 2.0 * layerWeights, 4 * layers * hidden);
    }
}
