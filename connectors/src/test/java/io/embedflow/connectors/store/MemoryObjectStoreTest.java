package io.embedflow.connectors.store;

class MemoryObjectStoreTest extends ObjectStoreContractTest {
  @Override
  protected ObjectStore newStore() {
    return new MemoryObjectStore();
  }
}
