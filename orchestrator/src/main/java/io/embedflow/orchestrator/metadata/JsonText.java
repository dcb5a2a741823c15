package io.embedflow.orchestrator.metadata;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.orchestrator.OrchestratorException;

/** Checks that text meant to be read back as JSON is JSON, before it is stored for good. */
final class JsonText {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonText() {
    }

    /** Returns {@code json} (null allowed) or throws an {@link OrchestratorException} naming {@code what}. */
    static String requireValid(String json, String what) {
        if (json == null) {
            return null;
        }
        try {
            MAPPER.readTree(json);
            return json;
        } catch (JsonProcessingException e) {
            throw new OrchestratorException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
