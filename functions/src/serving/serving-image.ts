// The default serving container image of registered versions (Vertex AI prebuilt sklearn CPU), one constant the cloud runtime and the training services share.
export const DEFAULT_SERVING_IMAGE = 'us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-5:latest';
