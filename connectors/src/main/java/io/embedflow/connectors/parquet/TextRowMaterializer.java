package io.embedflow.connectors.parquet;

import io.embedflow.connectors.shard.IdType;
import java.util.function.Consumer;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;

/**
 * Assembles the projected (id, text) columns of one record into reusable fields, with no
 * per-row objects besides the decoded strings. Dictionary-encoded strings are decoded once per
 * dictionary entry. While {@link #skipping} is set, string values are dropped undecoded.
 */
final class TextRowMaterializer extends RecordMaterializer<TextRowMaterializer> {
  boolean skipping;
  boolean idPresent;
  long idLong;
  String idString;
  String text;

  private final GroupConverter root;

  /**
   * @param idField index of the id column in the projected schema
   * @param textField index of the text column in the projected schema
   */
  TextRowMaterializer(IdType idType, int idField, int textField) {
    Converter[] converters = new Converter[2];
    converters[idField] = idType.isNumeric() ? new NumericIdConverter() : new StringConverter(value -> {
      idPresent = true;
      idString = value;
    });
    converters[textField] = new StringConverter(value -> text = value);
    this.root = new GroupConverter() {
      @Override
      public Converter getConverter(int fieldIndex) {
        return converters[fieldIndex];
      }

      @Override
      public void start() {
        idPresent = false;
        idLong = 0;
        idString = null;
        text = null;
      }

      @Override
      public void end() {}
    };
  }

  @Override
  public TextRowMaterializer getCurrentRecord() {
    return this;
  }

  @Override
  public GroupConverter getRootConverter() {
    return root;
  }

  /** INT32 and INT64 ids; the column reader decodes dictionary entries for us. */
  private final class NumericIdConverter extends PrimitiveConverter {
    @Override
    public void addInt(int value) {
      idPresent = true;
      idLong = value;
    }

    @Override
    public void addLong(long value) {
      idPresent = true;
      idLong = value;
    }
  }

  /** Decodes UTF-8 binaries, caching the decoded entries of the current dictionary. */
  private final class StringConverter extends PrimitiveConverter {
    private final Consumer<String> sink;
    private Dictionary dictionary;
    private String[] decoded;

    StringConverter(Consumer<String> sink) {
      this.sink = sink;
    }

    @Override
    public boolean hasDictionarySupport() {
      return true;
    }

    @Override
    public void setDictionary(Dictionary dictionary) {
      this.dictionary = dictionary;
      this.decoded = new String[dictionary.getMaxId() + 1];
    }

    @Override
    public void addValueFromDictionary(int dictionaryId) {
      if (skipping) {
        sink.accept(null);
        return;
      }
      String value = decoded[dictionaryId];
      if (value == null) {
        value = dictionary.decodeToBinary(dictionaryId).toStringUsingUTF8();
        decoded[dictionaryId] = value;
      }
      sink.accept(value);
    }

    @Override
    public void addBinary(Binary value) {
      sink.accept(skipping ? null : value.toStringUsingUTF8());
    }
  }
}
