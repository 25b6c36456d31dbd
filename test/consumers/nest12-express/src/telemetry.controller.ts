import { Controller, Get } from '@nestjs/common';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { metricReader } from './telemetry.js';

/** What the in-memory reader holds now, flattened: a stand-in for a Prometheus scrape. */
@Controller('telemetry')
export class TelemetryController {
  @Get('metrics')
  async snapshot() {
    const { resourceMetrics, errors } = await metricReader.collect();
    const out = resourceMetrics.scopeMetrics.flatMap((scope) =>
      scope.metrics.map((metric) => ({
        scope: scope.scope.name,
        name: metric.descriptor.name,
        unit: metric.descriptor.unit,
        type: DataPointType[metric.dataPointType],
        points: metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })),
      })),
    );
    return { metrics: out, errors: errors.map(String) };
  }
}
