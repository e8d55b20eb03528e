import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { TelemetrySettings } from '../config/model.js';
import { VERSION } from '../version.js';

/** The resource of exported telemetry: SDK defaults, OTEL_RESOURCE_ATTRIBUTES, then service name and version. */
export function telemetryResource(settings: TelemetrySettings): Resource {
  return defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': VERSION }));
}
