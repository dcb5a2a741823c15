package io.embedflow.connectors.shard;

import io.embedflow.connectors.ConnectorException;
import java.util.stream.Collectors;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.StringLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Checks that a file's schema has a usable id column and text column. Used by the planner on
 * every footer and again by the shard reader, since a file may change between planning and reading.
 * Only top-level, non-repeated primitive columns are supported.
 */
public final class InputColumns {
  private InputColumns() {}

  /**
   * Returns the id column's type, or throws a {@link ConnectorException} naming the column, the file
   * and the type found when the column is missing, nested, repeated or of an unsupported type.
   */
  public static IdType idType(MessageType schema, String idColumn, String file) {
    PrimitiveType type = topLevelPrimitive(schema, idColumn, "id", file);
    IdType idType = idTypeOf(type);
    if (idType == null) {
      throw new ConnectorException("id column '" + idColumn + "' in " + file + " has unsupported type '" + type
          + "'; supported: INT32, INT64, BINARY (STRING)");
    }
    return idType;
  }

  /**
   * Checks that the text column exists and is a {@code BINARY} column (plain or {@code STRING});
   * otherwise throws a {@link ConnectorException} naming the column, the file and the type found.
   */
  public static void checkText(MessageType schema, String textColumn, String file) {
    PrimitiveType type = topLevelPrimitive(schema, textColumn, "text", file);
    if (!isString(type)) {
      throw new ConnectorException("text column '" + textColumn + "' in " + file + " has type '" + type
          + "'; expected a STRING or BINARY column");
    }
  }

  /** Checks both columns and that they are distinct; returns the id type. */
  public static IdType check(MessageType schema, String idColumn, String textColumn, String file) {
    if (idColumn.equals(textColumn)) {
      throw new ConnectorException("id column and text column are both '" + idColumn + "'; they must differ");
    }
    IdType idType = idType(schema, idColumn, file);
    checkText(schema, textColumn, file);
    return idType;
  }

  private static PrimitiveType topLevelPrimitive(MessageType schema, String column, String role, String file) {
    if (!schema.containsField(column)) {
      String columns = schema.getFields().stream().map(Type::getName).collect(Collectors.joining(", "));
      throw new ConnectorException(role + " column '" + column + "' not found in " + file + " (columns: " + columns + ")");
    }
    Type type = schema.getType(column);
    if (!type.isPrimitive()) {
      throw new ConnectorException(role + " column '" + column + "' in " + file + " is a nested group '" + type
          + "'; only top-level primitive columns are supported");
    }
    if (type.isRepetition(Type.Repetition.REPEATED)) {
      throw new ConnectorException(role + " column '" + column + "' in " + file + " is repeated ('" + type
          + "'); only single-valued columns are supported");
    }
    return type.asPrimitiveType();
  }

  private static IdType idTypeOf(PrimitiveType type) {
    LogicalTypeAnnotation annotation = type.getLogicalTypeAnnotation();
    switch (type.getPrimitiveTypeName()) {
      case INT32:
        return isSignedIntOrPlain(annotation) ? IdType.INT32 : null;
      case INT64:
        return isSignedIntOrPlain(annotation) ? IdType.INT64 : null;
      case BINARY:
        return isString(type) ? IdType.STRING : null;
      default:
        return null;
    }
  }

  // Unsigned, date, time, decimal and timestamp annotations change what the bits mean; refuse them
  // rather than emit ids that differ from what other tools show for the same row.
  private static boolean isSignedIntOrPlain(LogicalTypeAnnotation annotation) {
    return annotation == null
        || (annotation instanceof IntLogicalTypeAnnotation && ((IntLogicalTypeAnnotation) annotation).isSigned());
  }

  private static boolean isString(PrimitiveType type) {
    LogicalTypeAnnotation annotation = type.getLogicalTypeAnnotation();
    return type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY
        && (annotation == null || annotation instanceof StringLogicalTypeAnnotation);
  }
}
