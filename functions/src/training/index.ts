// Public API of the training pipeline: the pipeline, running it with tracking, its services in both worlds, the comparison rule and the dataset schemas.
export { training, MODELS } from './pipeline';
export { runTraining, summariseTraining, trainingResultOf, type TrainingRunOptions, type TrainingResult, type TrainingSummary, type ModelOutcome } from './run';
export { createTrainingServices, trainingWorldFromEnv, trainingWorldFromConfig, DEFAULT_SERVING_IMAGE, type TrainingServices, type TrainingWorld, type FeatureReader } from './services';
export { createRunTrackingHooks, scalarParams, type TrackingOptions, type TrackingHooks } from './tracking';
export { decide, TIE_TOLERANCE, type Verdict, type Decision, type ChampionSide } from './compare';
export { DATASETS, DATASET_TABLES, checkDataset, describeFailures, parseDataset, type DatasetTable, type DatasetRow } from './datasets';
export { checkOptions, DEFAULTS as TRAINING_DEFAULTS } from './options';
export { versionKey, type EvaluationOutput } from './model-steps';
export type { ModelAdapter, ModelArtifact, TrainedModelName, TrainingOptions } from './models/types';
