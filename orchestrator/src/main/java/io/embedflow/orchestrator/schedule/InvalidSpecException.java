package io.embedflow.orchestrator.schedule;

import io.embedflow.orchestrator.OrchestratorException;

/**
 * A refresh spec that cannot be accepted. The message is one sentence that starts with the field
 * ({@code triggers.cron: '61 * * * *' is not a valid cron expression: ...}) and, once the spec's
 * file is known, with the file ({@code spec docs.yaml: triggers.cron: ...}).
 */
public final class InvalidSpecException extends OrchestratorException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final String field;
    private final String problem;

    /**
     * @param field the offending field as a path ({@code triggers.after}, {@code where[1]}); empty for the whole document
     * @param problem what is wrong with it, naming the offending value
     */
    public InvalidSpecException(String field, String problem) {
        this(null, field, problem, null);
    }

    public InvalidSpecException(String field, String problem, Throwable cause) {
        this(null, field, problem, cause);
    }

    private InvalidSpecException(String source, String field, String problem, Throwable cause) {
        super((source == null ? "" : "spec " + source + ": ") + (field.isEmpty() ? "" : field + ": ") + problem, cause);
        this.source = source;
        this.field = field;
        this.problem = problem;
    }

    /** The offending field as a path ({@code triggers.after}, {@code where[1]}); empty for the document itself. */
    public String field() {
        return field;
    }

    /** Where the spec came from (a file name), or null when not known. */
    public String source() {
        return source;
    }

    /** This error as found in {@code source}: {@code spec SOURCE: field: problem}. */
    public InvalidSpecException in(String specSource) {
        return new InvalidSpecException(specSource, field, problem, getCause());
    }
}
