package io.embedflow.orchestrator.eval;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.embedflow.orchestrator.OrchestratorException;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Optional;

/** The comparison of a {@link Gate}: candidate value OP threshold. In JSON, its symbol. */
public enum Comparison {
    AT_LEAST(">="),
    MORE_THAN(">"),
    AT_MOST("<="),
    LESS_THAN("<"),
    EQUAL_TO("==");

    private final String symbol;

    Comparison(String symbol) {
        this.symbol = symbol;
    }

    @JsonValue
    public String symbol() {
        return symbol;
    }

    /** The comparison written {@code symbol}, such as {@code >=}. */
    @JsonCreator
    public static Comparison ofSymbol(String symbol) {
        return find(symbol).orElseThrow(() -> new OrchestratorException("unknown comparison '" + symbol
                + "': expected one of " + symbols()));
    }

    static Optional<Comparison> find(String symbol) {
        return Arrays.stream(values()).filter(c -> c.symbol.equals(symbol)).findFirst();
    }

    /** {@code >=, >, <=, <, ==}. */
    static String symbols() {
        return String.join(", ", Arrays.stream(values()).map(Comparison::symbol).toList());
    }

    /** Whether {@code value OP threshold} holds; exact, on the decimal values the doubles print as. */
    public boolean holds(double value, double threshold) {
        return holds(BigDecimal.valueOf(value), BigDecimal.valueOf(threshold));
    }

    boolean holds(BigDecimal value, BigDecimal threshold) {
        int c = value.compareTo(threshold);
        return switch (this) {
            case AT_LEAST -> c >= 0;
            case MORE_THAN -> c > 0;
            case AT_MOST -> c <= 0;
            case LESS_THAN -> c < 0;
            case EQUAL_TO -> c == 0;
        };
    }
}
