// CloudWatch metrics the Lambda way: Powertools Metrics writes Embedded Metric Format to stdout,
// which CloudWatch turns into metrics without an API call. Per request: count, latency and errors
// by route, with the request id as metadata (the same id as the logs and X-Request-Id). Off under
// serverless-offline unless POWERTOOLS_METRICS_DISABLED=false (config.ts): nothing collects them
// there, and the live figures in Redis (functions/src/ops/) serve the /ops page instead.
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

export const metrics = new Metrics({ namespace: "million-tasks", serviceName: "million-tasks" });

/** Buffers one request's metrics; the logMetrics middleware publishes them when the request ends. */
export function addRequestMetrics(route: string, status: number, ms: number, requestId?: string): void {
  metrics.addDimension("route", route);
  metrics.addMetric("requests", MetricUnit.Count, 1);
  metrics.addMetric("latency", MetricUnit.Milliseconds, ms);
  if (status >= 500) metrics.addMetric("errors5xx", MetricUnit.Count, 1);
  else if (status >= 400) metrics.addMetric("errors4xx", MetricUnit.Count, 1);
  if (requestId) metrics.addMetadata("requestId", requestId);
}
