// Public API of demand forecasting: what the training pipeline, the CLI and the evaluation call.
export { forecastPanel, forecastPanelChoices, forecastSeries, selectModel, candidatesFor, DEFAULT_MODEL, COMBO_MEMBERS } from './panel';
export { forecastPanelParallel, type ParallelOptions } from './parallel';
export { seriesFromDailyDemand, type VariantDailyDemandRow, type VariantSeries } from './daily-demand';
export { readLongCsv, type LongPanel } from './long-csv';
export { readM5Wide } from './m5-csv';
export { syntheticPanel } from './synthetic';
export type { BacktestScore, DemandSeries, ForecastOptions, ModelForecast, ModelName, SeriesForecast } from './types';
