package io.embedflow.orchestrator.eval;

import io.embedflow.orchestrator.OrchestratorException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recursive-descent parser of gate expressions:
 *
 * <pre>
 * gate      := METRIC comparison threshold END
 * threshold := NUMBER
 *            | scaled [ ('+' | '-') NUMBER ]
 * scaled    := 'baseline' [ '*' NUMBER ] | NUMBER '*' 'baseline'
 * METRIC    := [A-Za-z_][A-Za-z0-9_@.]*   (not 'baseline')
 * NUMBER    := unsigned decimal, optionally with an exponent: 0.01, .5, 2, 1e-3
 * </pre>
 *
 * Spaces between tokens are optional. Errors name the expression, the 0-based position and what
 * was found there.
 */
final class GateParser {

    static final String BASELINE = "baseline";
    static final String SYNTAX = "a gate reads METRIC OP THRESHOLD with OP one of " + Comparison.symbols()
            + " and THRESHOLD a number, baseline, N * baseline, baseline * N, or one of those with baseline "
            + "followed by + N or - N, such as 'recall@10 >= baseline + 0.01'";

    private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_@.]*");
    private static final Pattern NUMBER = Pattern.compile("(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");
    private static final Pattern COMPARISON = Pattern.compile("[<>=!]+");

    private enum Kind { WORD, NUMBER, COMPARISON, STAR, PLUS, MINUS, END }

    private record Token(Kind kind, String text, int position) {
        String shown() {
            return kind == Kind.END ? "the end of the expression" : "'" + text + "'";
        }

        boolean isBaseline() {
            return kind == Kind.WORD && text.equals(BASELINE);
        }
    }

    private final String expression;
    private final List<Token> tokens;
    private int next;

    private GateParser(String expression) {
        this.expression = expression;
        this.tokens = tokenize();
    }

    static Gate parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new OrchestratorException("empty gate expression: " + SYNTAX);
        }
        return new GateParser(expression).gate();
    }

    private Gate gate() {
        Token metric = take();
        if (metric.kind() != Kind.WORD || metric.isBaseline()) {
            throw expected("a metric name (letters, digits, '_', '@', '.')", metric);
        }
        Token op = take();
        if (op.kind() != Kind.COMPARISON || Comparison.find(op.text()).isEmpty()) {
            throw expected("a comparison (" + Comparison.symbols() + ")", op);
        }
        Comparison comparison = Comparison.ofSymbol(op.text());
        Token first = take();
        boolean usesBaseline;
        BigDecimal factor;
        BigDecimal offset = BigDecimal.ZERO;
        if (first.isBaseline()) {
            usesBaseline = true;
            factor = peek().kind() == Kind.STAR ? numberAfter(take()) : BigDecimal.ONE;
        } else if (first.kind() == Kind.NUMBER) {
            usesBaseline = peek().kind() == Kind.STAR;
            if (usesBaseline) {
                take();
                Token baseline = take();
                if (!baseline.isBaseline()) {
                    throw expected("'" + BASELINE + "'", baseline);
                }
                factor = number(first);
            } else {
                factor = BigDecimal.ZERO;
                offset = number(first);
            }
        } else {
            throw expected("a number or '" + BASELINE + "'", first);
        }
        if (usesBaseline && (peek().kind() == Kind.PLUS || peek().kind() == Kind.MINUS)) {
            Token sign = take();
            offset = numberAfter(sign);
            offset = sign.kind() == Kind.MINUS ? offset.negate() : offset;
        }
        Token end = take();
        if (end.kind() != Kind.END) {
            throw expected("the end of the expression", end);
        }
        return new Gate(expression, metric.text(), comparison, usesBaseline, factor.doubleValue(), offset.doubleValue());
    }

    private BigDecimal numberAfter(Token operator) {
        Token number = take();
        if (number.kind() != Kind.NUMBER) {
            throw expected("a number after '" + operator.text() + "'", number);
        }
        return number(number);
    }

    private BigDecimal number(Token token) {
        BigDecimal value = new BigDecimal(token.text());
        if (!Double.isFinite(value.doubleValue())) {
            throw error("number " + token.shown() + " at position " + token.position() + " is out of range");
        }
        return value;
    }

    private Token take() {
        return tokens.get(Math.min(next++, tokens.size() - 1));
    }

    private Token peek() {
        return tokens.get(Math.min(next, tokens.size() - 1));
    }

    private List<Token> tokenize() {
        List<Token> result = new ArrayList<>();
        int i = 0;
        while (i < expression.length()) {
            char c = expression.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            Kind single = switch (c) {
                case '*' -> Kind.STAR;
                case '+' -> Kind.PLUS;
                case '-' -> Kind.MINUS;
                default -> null;
            };
            if (single != null) {
                result.add(new Token(single, String.valueOf(c), i));
                i++;
                continue;
            }
            Token token = match(WORD, Kind.WORD, i);
            token = token != null ? token : match(NUMBER, Kind.NUMBER, i);
            token = token != null ? token : match(COMPARISON, Kind.COMPARISON, i);
            if (token == null) {
                throw error("unexpected character '" + c + "' at position " + i);
            }
            result.add(token);
            i += token.text().length();
        }
        result.add(new Token(Kind.END, "", expression.length()));
        return result;
    }

    private Token match(Pattern pattern, Kind kind, int from) {
        Matcher m = pattern.matcher(expression).region(from, expression.length());
        return m.lookingAt() ? new Token(kind, m.group(), from) : null;
    }

    private OrchestratorException expected(String what, Token found) {
        return error("expected " + what + " at position " + found.position() + ", found " + found.shown());
    }

    private OrchestratorException error(String detail) {
        return new OrchestratorException("invalid gate '" + expression + "': " + detail + "; " + SYNTAX);
    }
}
