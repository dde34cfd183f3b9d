// Port: which monitor decisions were already sent to Shopify Flow, per shop (embedded: an fsync'd file per shop; cloud: Firestore).
export interface FlowTriggerJournal {
  /** Decision ids already sent for the shop. */
  sent(shop: string): Promise<Set<string>>;
  /** Records a decision as sent (after Shopify accepted it); durable when it resolves. */
  record(shop: string, decisionId: string): Promise<void>;
}
