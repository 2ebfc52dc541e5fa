package io.caravan.execution;

/** One item a cycle hands to the split: its place in the cycle and the ledger key its outcome is recorded under. */
public interface ExecutionItem {
    int index();

    String key();
}
