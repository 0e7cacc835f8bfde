import { describe, expect, it } from 'vitest';
import { DriverMetrics } from './metrics.js';

describe('DriverMetrics', () => {
  it('exposes the reference histograms with bounded labels only', async () => {
    const metrics = new DriverMetrics({ processMetrics: false });
    metrics.observeKeyVaultRequest({ objectType: 'secret', operation: 'get', status: 'ok', durationMs: 120 });
    metrics.observeKeyVaultRequest({
      objectType: 'my-secret-name',
      operation: 'delete',
      status: 'SecretNotFound: A secret with (name/id) db-password was not found',
      durationMs: 50,
    });
    metrics.observeGrpcRequest('/v1alpha1.CSIDriverProvider/Mount', 'NOT_FOUND', 300);
    metrics.observeGrpcRequest('/evil/method-with-pod-name', 'not a code', 1);
    metrics.observeNmiRequest(404, 10);
    metrics.observeNmiRequest('network', 10);
    metrics.observeNmiRequest('weird', 10);
    metrics.countTokenCache('hit');
    metrics.countTokenCache('something else');
    metrics.mountStarted();
    const text = await metrics.exposition();

    const reference =
      'provider="azure",os_type="linux",service_name="csi-secrets-store-provider-azure",otel_scope_name="csi-secrets-store-provider-azure"';
    expect(text).toContain(
      `keyvault_request_bucket{le="0.2",object_type="secret",operation="get",error="",${reference}} 1`,
    );
    expect(text).toContain('object_type="other",operation="get",error="other"');
    // Go's spelling of the code, as the reference's grpc_code label.
    expect(text).toContain(
      `grpc_request_count{grpc_method="/v1alpha1.CSIDriverProvider/Mount",grpc_code="NotFound",${reference}} 1`,
    );
    expect(text).toContain('grpc_request_count{grpc_method="other",grpc_code="Unknown"');
    expect(text).toContain('nmi_request_count{status="404"} 1');
    expect(text).toContain('nmi_request_count{status="network"} 1');
    expect(text).toContain('nmi_request_count{status="other"} 1');
    expect(text).toContain('token_cache_total{result="hit"} 1');
    expect(text).toContain('mounts_in_flight 1');
    expect(text).not.toMatch(/my-secret-name|db-password|SecretNotFound|evil|weird/);
    for (const le of ['0.1', '0.5', '1.5', '2.5', '15', '30'])
      expect(text).toContain(`keyvault_request_bucket{le="${le}"`);
  });

  it('counts content cache results from a fixed set and exposes its size', async () => {
    const metrics = new DriverMetrics({ processMetrics: false });
    metrics.countContentCache('hit');
    metrics.countContentCache('hit');
    metrics.countContentCache('miss');
    metrics.countContentCache('stale');
    metrics.countContentCache('db-password');
    metrics.setContentCacheSize(4096, 3);
    const text = await metrics.exposition();
    expect(text).toContain('keyvault_content_cache_total{result="hit"} 2');
    expect(text).toContain('keyvault_content_cache_total{result="miss"} 1');
    expect(text).toContain('keyvault_content_cache_total{result="stale"} 1');
    expect(text).toContain('keyvault_content_cache_total{result="other"} 1');
    expect(text).toContain('keyvault_content_cache_bytes 4096');
    expect(text).toContain('keyvault_content_cache_entries 3');
  });

  it('counts skipped optional objects by a bounded reason', async () => {
    const metrics = new DriverMetrics({ processMetrics: false });
    metrics.countObjectSkipped('not_found');
    metrics.countObjectSkipped('not_found');
    metrics.countObjectSkipped('disabled');
    metrics.countObjectSkipped('db-password');
    const text = await metrics.exposition();
    expect(text).toContain('keyvault_objects_skipped_total{reason="not_found"} 2');
    expect(text).toContain('keyvault_objects_skipped_total{reason="disabled"} 1');
    expect(text).toContain('keyvault_objects_skipped_total{reason="other"} 1');
    expect(text).not.toContain('db-password');
  });

  it('spells every gRPC code as Go does', async () => {
    const metrics = new DriverMetrics({ processMetrics: false });
    const codes: [string, string][] = [
      ['OK', 'OK'],
      ['CANCELLED', 'Canceled'],
      ['INVALID_ARGUMENT', 'InvalidArgument'],
      ['DEADLINE_EXCEEDED', 'DeadlineExceeded'],
      ['PERMISSION_DENIED', 'PermissionDenied'],
      ['RESOURCE_EXHAUSTED', 'ResourceExhausted'],
      ['FAILED_PRECONDITION', 'FailedPrecondition'],
      ['UNAUTHENTICATED', 'Unauthenticated'],
      ['UNIMPLEMENTED', 'Unimplemented'],
      ['INTERNAL', 'Internal'],
    ];
    for (const [code] of codes) metrics.observeGrpcRequest('/v1alpha1.CSIDriverProvider/Mount', code, 1);
    const text = await metrics.exposition();
    for (const [, go] of codes) expect(text).toContain(`grpc_code="${go}"`);
    expect(text).not.toMatch(/grpc_code="(?!OK")[A-Z_]+"/);
  });

  it('uses its own registry and the process metrics when asked', async () => {
    const text = await new DriverMetrics().exposition();
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
