package io.embedflow.orchestrator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.io.PrintWriter;

/** {@code --json} output: plain maps and lists, pretty-printed, one document per command. */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    static void print(PrintWriter out, Object value) {
        try {
            out.println(MAPPER.writeValueAsString(value));
        } catch (IOException e) {
            throw new OrchestratorException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
