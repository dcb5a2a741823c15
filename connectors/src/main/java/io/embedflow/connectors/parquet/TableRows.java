package io.embedflow.connectors.parquet;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.internal.LocalParquet;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Reads whole table files into row objects, for tests and tools (not the data path). Only the
 * named top-level columns that the file has are read.
 */
final class TableRows {
  private TableRows() {}

  /** Returns {@code rows}, the rows read from {@code file} of {@code table}, if they are as many as its manifest says. */
  static <T> List<T> checkCount(TableLocation table, TableFile file, List<T> rows) {
    if (rows.size() != file.rows()) {
      throw new ConnectorException("table " + table.describe() + " lists " + file.path() + " with " + file.rows()
          + " rows but it holds " + rows.size());
    }
    return rows;
  }

  /** A materializer over the projected schema whose records are built by {@link Slots#finish}. */
  static <T> List<T> readAll(Path file, List<String> columns, Function<Slots, T> finish) {
    List<T> rows = new ArrayList<>();
    forEach(file, columns, finish, rows::add);
    return rows;
  }

  /** Streams the rows of {@code file}, in file order, to {@code consumer}, without holding them. */
  static <T> void forEach(Path file, List<String> columns, Function<Slots, T> finish, Consumer<T> consumer) {
    try (ParquetFileReader reader = LocalParquet.open(file)) {
      MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
      List<Type> fields = new ArrayList<>();
      for (Type field : fileSchema.getFields()) {
        if (columns.contains(field.getName())) {
          fields.add(field);
        }
      }
      MessageType projection = new MessageType(fileSchema.getName(), fields);
      reader.setRequestedSchema(projection);
      MessageColumnIO io = new ColumnIOFactory(reader.getFileMetaData().getCreatedBy())
          .getColumnIO(projection, fileSchema, true);
      Slots slots = new Slots(projection);
      RecordMaterializer<T> materializer = new RecordMaterializer<>() {
        @Override
        public T getCurrentRecord() {
          return finish.apply(slots);
        }

        @Override
        public GroupConverter getRootConverter() {
          return slots.root;
        }
      };
      PageReadStore pages;
      while ((pages = reader.readNextRowGroup()) != null) {
        RecordReader<T> records = io.getRecordReader(pages, materializer);
        for (long i = 0; i < pages.getRowCount(); i++) {
          consumer.accept(records.read());
        }
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ConnectorException) {
        throw (ConnectorException) e;
      }
      throw new ConnectorException("cannot read table file " + file + ": " + LocalParquet.describe(e), e);
    }
  }

  /** The values of the current record, by column name; a float list column becomes a {@code float[]}. */
  static final class Slots {
    private final List<String> names = new ArrayList<>();
    private final Object[] values;
    private final GroupConverter root;

    private Slots(MessageType schema) {
      this.values = new Object[schema.getFieldCount()];
      Converter[] converters = new Converter[schema.getFieldCount()];
      for (int i = 0; i < converters.length; i++) {
        Type field = schema.getType(i);
        names.add(field.getName());
        converters[i] = field.isPrimitive() ? new ValueConverter(i) : new FloatListConverter(i, field.asGroupType());
      }
      this.root = new GroupConverter() {
        @Override
        public Converter getConverter(int fieldIndex) {
          return converters[fieldIndex];
        }

        @Override
        public void start() {
          Arrays.fill(values, null);
        }

        @Override
        public void end() {}
      };
    }

    /** The value of {@code column} in the current record, or null when absent or null. */
    Object get(String column) {
      int index = names.indexOf(column);
      return index < 0 ? null : values[index];
    }

    private final class ValueConverter extends PrimitiveConverter {
      private final int slot;

      ValueConverter(int slot) {
        this.slot = slot;
      }

      @Override
      public void addInt(int value) {
        values[slot] = value;
      }

      @Override
      public void addLong(long value) {
        values[slot] = value;
      }

      @Override
      public void addFloat(float value) {
        values[slot] = value;
      }

      @Override
      public void addBoolean(boolean value) {
        values[slot] = value;
      }

      @Override
      public void addBinary(Binary value) {
        values[slot] = value.toStringUsingUTF8();
      }
    }

    /** A LIST of floats, in the standard 3-level layout or the legacy 2-level one. */
    private final class FloatListConverter extends GroupConverter {
      private final int slot;
      private final Converter child;
      private float[] buffer = new float[64];
      private int size;

      FloatListConverter(int slot, GroupType list) {
        this.slot = slot;
        PrimitiveConverter element = new PrimitiveConverter() {
          @Override
          public void addFloat(float value) {
            if (size == buffer.length) {
              buffer = Arrays.copyOf(buffer, size * 2);
            }
            buffer[size++] = value;
          }
        };
        Type repeated = list.getType(0);
        this.child = repeated.isPrimitive() ? element : new GroupConverter() {
          @Override
          public Converter getConverter(int fieldIndex) {
            return element;
          }

          @Override
          public void start() {}

          @Override
          public void end() {}
        };
      }

      @Override
      public Converter getConverter(int fieldIndex) {
        return child;
      }

      @Override
      public void start() {
        size = 0;
      }

      @Override
      public void end() {
        values[slot] = Arrays.copyOf(buffer, size);
      }
    }
  }
}
