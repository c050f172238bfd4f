export const handler = async (event, context) => ({ esm: true, event, arn: context.invokedFunctionArn });
