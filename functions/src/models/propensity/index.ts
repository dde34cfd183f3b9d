// Public API of the repeat-purchase propensity model: rows, feature builder, training, scoring, metrics.
export { SEGMENTS, parsePropensityRows, parseRfmRows, propensityRowSchema, rfmRowSchema, type PropensityRow, type RfmRow, type Segment } from './rows';
export { propensityRows, purchaseDays, rfmSnapshot, segmentOf, ntile, type PurchaseHistory, type Transaction } from './rfm-snapshot';
export { decidePropensity, propensityLogOdds, scorePropensity, trainPropensity, type PropensityModel, type TrainPropensityOptions } from './model';
export { ECE_BINS, eceSamplingFloor, expectedCalibrationError, propensityMetrics, reliability, rocAuc, type PropensityMetrics } from './metrics';
export { chooseThreshold, chooseThresholdAcrossMonths, wilsonLower, type RollingThresholdChoice, type ThresholdChoice, type ThresholdMonth } from './threshold';
export { CATALOG_FIELDS, catalogMix, prepareCatalogLines, withCatalogMix, type CatalogLine, type CatalogMix } from './catalog-mix';
export { fitRfCellBaseline, scoreRfCellBaseline, type RfCellBaseline } from './baseline';
export { calibrate, fitIsotonic, fitPlatt, type CalibrationMap, type CalibrationMethod } from './calibration';
export { syntheticStore, bgnbdAlive, type SyntheticOptions, type SyntheticStore } from './synthetic';
export { readUciTransactions, readUciTransactionsFile, type UciReadReport } from './uci-transactions';
