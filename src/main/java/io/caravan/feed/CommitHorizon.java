package io.caravan.feed;

/** Finds how far a feed's source is final, once per execution before the first page is read. */
interface CommitHorizon {

    Horizon find() throws Exception;
}
