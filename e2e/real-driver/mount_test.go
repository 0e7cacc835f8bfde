package realdriver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	secretsstorev1 "sigs.k8s.io/secrets-store-csi-driver/apis/v1"
)

// kubelet's NodePublishVolume budget is about two minutes; a test fails sooner.
const publishTimeout = 60 * time.Second

func publishContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
	t.Cleanup(cancel)
	return ctx
}

// objects is the `objects` parameter: one YAML mapping per object, each given as key, value pairs.
func objects(items ...[]string) string {
	var b strings.Builder
	b.WriteString("array:\n")
	for _, item := range items {
		b.WriteString("  - |\n")
		for i := 0; i+1 < len(item); i += 2 {
			fmt.Fprintf(&b, "    %s: %q\n", item[i], item[i+1])
		}
	}
	return b.String()
}

func podIdentityParameters(vault, objectsParameter string) map[string]string {
	return map[string]string{
		"usePodIdentity": "true",
		"keyvaultName":   vault,
		"tenantId":       "tid",
		"objects":        objectsParameter,
	}
}

// podVolume is a SecretProviderClass, an inline pod volume using it and a fresh target path.
func podVolume(t *testing.T, namespace, podName string, parameters map[string]string) volume {
	spc := newSPC(namespace, podName+"-spc", parameters)
	return volume{
		spc:        spc,
		pod:        inlinePod(namespace, podName, string(uuid.NewUUID()), spc),
		volumeName: "secrets-store",
		targetPath: filepath.Join(t.TempDir(), "mount"),
	}
}

func wantVersions(t *testing.T, got, want map[string]string) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("object versions: got %v, want %v", got, want)
	}
}

func wantFiles(t *testing.T, got map[string]volumeFile, want map[string]volumeFile) {
	t.Helper()
	for _, path := range sortedKeys(want) {
		g, ok := got[path]
		switch {
		case !ok:
			t.Errorf("%s: missing (files: %v)", path, sortedKeys(got))
		case g.content != want[path].content:
			t.Errorf("%s: content %.80q, want %.80q", path, g.content, want[path].content)
		case g.mode != want[path].mode:
			t.Errorf("%s: mode %v, want %v", path, g.mode, want[path].mode)
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("%s: not expected", path)
		}
	}
}

// wantNothingWritten checks that a failed first publish left the target without any file.
func wantNothingWritten(t *testing.T, target string) {
	t.Helper()
	entries, err := os.ReadDir(target)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("the failed mount wrote into the target: %v", entries)
	}
}

// TestPodIdentityExample mounts examples/pod-identity as the driver does for its pod: the SPC and
// the pod read from the manifests, the volume context from the pod's volume.
func TestPodIdentityExample(t *testing.T) {
	h := newHarness(t)
	var spc secretsstorev1.SecretProviderClass
	readManifest(t, repoPath("examples", "pod-identity", "secretproviderclass.yaml"), &spc)
	var pod corev1.Pod
	readManifest(t, repoPath("examples", "pod-identity", "pod.yaml"), &pod)
	if pod.Namespace == "" {
		pod.Namespace = "default"
	}
	spc.Namespace = pod.Namespace
	pod.UID = "6f1a4c2e-6b1d-4c55-8a3e-0d9f3b7a2c10"
	vault := h.control.vault(t, spc.Spec.Parameters["keyvaultName"], pod.Namespace, pod.Name)
	secretVersion := h.control.secret(t, vault, "secret1", "the-value-of-secret1")
	var key struct{ Version, PublicPem string }
	h.control.must(t, "key", map[string]string{"vault": vault, "name": "key1"}, &key)
	target := filepath.Join(t.TempDir(), "mount")

	versions, err := h.publish(publishContext(t), volume{
		spc: &spc, pod: &pod, volumeName: pod.Spec.Volumes[0].Name, targetPath: target,
	}, nil)

	if err != nil {
		t.Fatal(err)
	}
	wantVersions(t, versions, map[string]string{"secret/secret1": secretVersion, "key/key1": key.Version})
	wantFiles(t, readVolume(t, target), map[string]volumeFile{
		"secret1": {"the-value-of-secret1", 0o644},
		"key1":    {key.PublicPem, 0o644},
	})
}

// TestCertificateWithChain mounts a certificate stored as a PFX with its chain out of order: the
// secret object gives key + leaf → intermediate → root with the object's filePermission, the cert
// object the leaf alone.
func TestCertificateWithChain(t *testing.T) {
	h := newHarness(t)
	vault := h.control.vault(t, "", "e2e", "cert-chain")
	var cert struct{ Version, LeafKeyPem, LeafPem, IntermediatePem, RootPem string }
	h.control.must(t, "certificate", map[string]string{"vault": vault, "name": "tls", "cn": "shop"}, &cert)
	v := podVolume(t, "e2e", "cert-chain", podIdentityParameters(vault, objects(
		[]string{"objectName", "tls", "objectType", "secret", "objectAlias", "tls/bundle.pem", "filePermission", "0600"},
		[]string{"objectName", "tls", "objectType", "cert", "objectAlias", "tls.crt"},
	)))

	versions, err := h.publish(publishContext(t), v, nil)

	if err != nil {
		t.Fatal(err)
	}
	wantVersions(t, versions, map[string]string{"secret/tls": cert.Version, "cert/tls": cert.Version})
	wantFiles(t, readVolume(t, v.targetPath), map[string]volumeFile{
		"tls/bundle.pem": {cert.LeafKeyPem + cert.LeafPem + cert.IntermediatePem + cert.RootPem, 0o600},
		"tls.crt":        {cert.LeafPem, 0o644},
	})
}

// TestObjectVersionHistory mounts the newest three of four versions as <name>/0..2, newest first.
func TestObjectVersionHistory(t *testing.T) {
	h := newHarness(t)
	vault := h.control.vault(t, "", "e2e", "history")
	created := time.Now().Unix() - 100
	var versions []string
	for i := 1; i <= 4; i++ {
		var out struct{ Version string }
		h.control.must(t, "secret", map[string]any{
			"vault": vault, "name": "rotating", "value": fmt.Sprintf("history-value-%d", i), "created": created + int64(i),
		}, &out)
		versions = append(versions, out.Version)
	}
	v := podVolume(t, "e2e", "history", podIdentityParameters(vault, objects(
		[]string{"objectName", "rotating", "objectType", "secret", "objectVersionHistory", "3"},
	)))

	got, err := h.publish(publishContext(t), v, nil)

	if err != nil {
		t.Fatal(err)
	}
	wantVersions(t, got, map[string]string{
		"secret/rotating/0": versions[3],
		"secret/rotating/1": versions[2],
		"secret/rotating/2": versions[1],
	})
	wantFiles(t, readVolume(t, v.targetPath), map[string]volumeFile{
		"rotating/0": {"history-value-4", 0o644},
		"rotating/1": {"history-value-3", 0o644},
		"rotating/2": {"history-value-2", 0o644},
	})
}

// TestMountOverByteBudget: files over the daemon's per-mount budget (--max-mount-bytes, 4 MiB by
// default, the driver's receive limit) are refused by the daemon itself, before an answer the
// driver would drop is built; nothing is written.
func TestMountOverByteBudget(t *testing.T) {
	h := newHarness(t)
	vault := h.control.vault(t, "", "e2e", "over-budget")
	var items [][]string
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("big%d", i)
		h.control.must(t, "secret", map[string]any{"vault": vault, "name": name, "sizeBytes": 1536 * 1024}, nil)
		items = append(items, []string{"objectName", name, "objectType", "secret"})
	}
	big := podVolume(t, "e2e", "over-budget", podIdentityParameters(vault, objects(items...)))

	_, err := h.publish(publishContext(t), big, nil)

	failure := asPublishError(t, err)
	if code := status.Code(errors.Unwrap(failure.err)); code != codes.ResourceExhausted {
		t.Errorf("code %v, want ResourceExhausted", code)
	}
	want := regexp.MustCompile(`^failed to mount secrets store objects for pod e2e/over-budget, err: rpc error: code = ResourceExhausted desc = failed to mount objects, error: the mount's files exceed the per-mount budget of 4194304 bytes \(4 MiB, --max-mount-bytes\): \d+ bytes fetched so far$`)
	if !want.MatchString(err.Error()) {
		t.Errorf("error %q, want it to match %s", err, want)
	}
	wantNothingWritten(t, big.targetPath)
}

// TestResponseOverReceiveLimit: files just under the daemon's byte budget still make a response
// over the driver's 4 MiB receive limit once paths and object versions are added: it fails in the
// driver's gRPC client (RESOURCE_EXHAUSTED), nothing is written, and the daemon keeps serving.
func TestResponseOverReceiveLimit(t *testing.T) {
	h := newHarness(t)
	vault := h.control.vault(t, "", "e2e", "too-big")
	// 40 bytes under the budget in all: the file paths, modes and object versions add more than that.
	h.control.must(t, "secret", map[string]any{"vault": vault, "name": "big1", "sizeBytes": 2 * 1024 * 1024}, nil)
	h.control.must(t, "secret", map[string]any{"vault": vault, "name": "big2", "sizeBytes": 2*1024*1024 - 40}, nil)
	big := podVolume(t, "e2e", "too-big", podIdentityParameters(vault, objects(
		[]string{"objectName", "big1", "objectType", "secret"},
		[]string{"objectName", "big2", "objectType", "secret"},
	)))

	_, err := h.publish(publishContext(t), big, nil)

	failure := asPublishError(t, err)
	if failure.reason != "GRPCProviderError" {
		t.Errorf("reason %q, want GRPCProviderError", failure.reason)
	}
	if code := status.Code(errors.Unwrap(failure.err)); code != codes.ResourceExhausted {
		t.Errorf("code %v, want ResourceExhausted", code)
	}
	want := regexp.MustCompile(`^failed to mount secrets store objects for pod e2e/too-big, err: rpc error: code = ResourceExhausted desc = grpc: received message larger than max \((\d+) vs\. 4194304\)$`)
	if !want.MatchString(err.Error()) {
		t.Errorf("error %q, want it to match %s", err, want)
	}
	wantNothingWritten(t, big.targetPath)

	// The daemon is still up and serves the next pod.
	var daemon struct{ Running bool }
	h.control.must(t, "daemon-status", struct{}{}, &daemon)
	if !daemon.Running {
		t.Fatal("the daemon exited after the oversized response")
	}
	smallVersion := h.control.secret(t, vault, "small", "small-value")
	small := podVolume(t, "e2e", "after-too-big", podIdentityParameters(vault, objects(
		[]string{"objectName", "small", "objectType", "secret"},
	)))
	h.control.must(t, "grant", map[string]string{"vault": vault, "namespace": "e2e", "pod": "after-too-big"}, nil)
	versions, err := h.publish(publishContext(t), small, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantVersions(t, versions, map[string]string{"secret/small": smallVersion})
	wantFiles(t, readVolume(t, small.targetPath), map[string]volumeFile{"small": {"small-value", 0o644}})
}

// TestConfigurationError: what the driver surfaces (the pod's FailedMount event) for a
// SecretProviderClass our daemon rejects, and for an object Key Vault does not have.
func TestConfigurationError(t *testing.T) {
	h := newHarness(t)
	vault := h.control.vault(t, "", "e2e", "config-error")
	h.control.secret(t, vault, "present", "present-value")
	const prefix = "failed to mount secrets store objects for pod e2e/config-error, err: rpc error: code = "
	cases := []struct {
		name       string
		parameters map[string]string
		code       codes.Code
		message    string
	}{
		{
			name: "tenantId missing",
			parameters: map[string]string{
				"usePodIdentity": "true", "keyvaultName": vault,
				"objects": objects([]string{"objectName", "present", "objectType", "secret"}),
			},
			code:    codes.InvalidArgument,
			message: prefix + "InvalidArgument desc = failed to mount objects, error: tenantId is not provided",
		},
		{
			name: "usePodIdentity not a boolean",
			parameters: func() map[string]string {
				p := podIdentityParameters(vault, objects([]string{"objectName", "present", "objectType", "secret"}))
				p["usePodIdentity"] = "tru"
				return p
			}(),
			code:    codes.InvalidArgument,
			message: prefix + `InvalidArgument desc = failed to mount objects, error: failed to parse usePodIdentity flag, error: strconv.ParseBool: parsing "tru": invalid syntax`,
		},
		{
			name: "object not in the vault",
			parameters: podIdentityParameters(vault, objects(
				[]string{"objectName", "present", "objectType", "secret"},
				[]string{"objectName", "absent", "objectType", "secret"},
			)),
			code:    codes.NotFound,
			message: prefix + "NotFound desc = failed to mount objects, error: failed to get objectType:secret, objectName:absent, objectVersion:: ",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := podVolume(t, "e2e", "config-error", c.parameters)

			_, err := h.publish(publishContext(t), v, nil)

			failure := asPublishError(t, err)
			if code := status.Code(errors.Unwrap(failure.err)); code != c.code {
				t.Errorf("code %v, want %v", code, c.code)
			}
			if c.code == codes.NotFound {
				if !strings.HasPrefix(err.Error(), c.message) {
					t.Errorf("error\n  %q\nwant it to start with\n  %q", err, c.message)
				}
			} else if err.Error() != c.message {
				t.Errorf("error\n  %q\nwant\n  %q", err, c.message)
			}
			wantNothingWritten(t, v.targetPath)
		})
	}
}

// TestRotation: a second publish after the secret rotated, sent with the previous object versions
// (as drivers up to v1.5 did; v1.6 sends none), returns the new version, and the driver's writer
// swaps ..data to a new directory in one rename: a reader holding the old file keeps the old bytes.
// A third publish with unchanged content leaves the target as it is, and so does a fourth where only
// the file mode changed.
func TestRotation(t *testing.T) {
	h := newHarness(t)
	vault := h.control.vault(t, "", "e2e", "rotation")
	v1 := h.control.secret(t, vault, "db", "first-password")
	v := podVolume(t, "e2e", "rotation", podIdentityParameters(vault, objects(
		[]string{"objectName", "db", "objectType", "secret"},
	)))
	first, err := h.publish(publishContext(t), v, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantVersions(t, first, map[string]string{"secret/db": v1})
	oldData := dataDirectory(t, v.targetPath)
	held, err := os.Open(filepath.Join(v.targetPath, "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	v2 := h.control.secret(t, vault, "db", "second-password")
	second, err := h.publish(publishContext(t), v, first)

	if err != nil {
		t.Fatal(err)
	}
	wantVersions(t, second, map[string]string{"secret/db": v2})
	wantFiles(t, readVolume(t, v.targetPath), map[string]volumeFile{"db": {"second-password", 0o644}})
	newData := dataDirectory(t, v.targetPath)
	if newData == oldData {
		t.Errorf("..data still points to %s after the rotation", oldData)
	}
	if _, err := os.Lstat(filepath.Join(v.targetPath, oldData)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the previous directory %s is still there (%v)", oldData, err)
	}
	if old, err := io.ReadAll(held); err != nil || string(old) != "first-password" {
		t.Errorf("a reader of the old file got %q (%v), want the old bytes", old, err)
	}

	third, err := h.publish(publishContext(t), v, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantVersions(t, third, second)
	if again := dataDirectory(t, v.targetPath); again != newData {
		t.Errorf("an unchanged publish rewrote the volume: ..data %s → %s", newData, again)
	}

	// The driver's writer compares contents only: a new filePermission alone is not applied.
	v.spc.Spec.Parameters["objects"] = objects([]string{"objectName", "db", "objectType", "secret", "filePermission", "0600"})
	if _, err := h.publish(publishContext(t), v, nil); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, readVolume(t, v.targetPath), map[string]volumeFile{"db": {"second-password", 0o644}})
	if again := dataDirectory(t, v.targetPath); again != newData {
		t.Errorf("a mode-only change rewrote the volume: ..data %s → %s", newData, again)
	}
}

// TestDaemonRestart: the driver keeps one client per provider for its lifetime. While our daemon is
// down its calls wait for the socket (waitForReady) instead of failing; a call cut by the daemon's
// death is sent again (retry policy on UNAVAILABLE) to the restarted daemon.
func TestDaemonRestart(t *testing.T) {
	h := newHarness(t)
	vault := h.control.vault(t, "", "e2e", "restart")
	version := h.control.secret(t, vault, "slow", "restart-value")
	parameters := podIdentityParameters(vault, objects([]string{"objectName", "slow", "objectType", "secret"}))
	warm := podVolume(t, "e2e", "restart", parameters)
	if _, err := h.publish(publishContext(t), warm, nil); err != nil {
		t.Fatal(err)
	}

	t.Run("a mount to a hung daemon runs into its deadline", func(t *testing.T) {
		h.control.must(t, "daemon-pause", struct{}{}, nil)
		t.Cleanup(func() { h.control.must(t, "daemon-resume", struct{}{}, nil) })
		v := podVolume(t, "e2e", "restart", parameters)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()

		_, err := h.publish(ctx, v, nil)

		// The client's own deadline: Go's context error, not a message from us.
		wantDeadlineExceeded(t, err, regexp.MustCompile(`^context deadline exceeded$`))
		wantNothingWritten(t, v.targetPath)
	})

	t.Run("a mount sent while the daemon is stopped runs into its deadline", func(t *testing.T) {
		h.control.must(t, "daemon-stop", map[string]string{"signal": "SIGTERM"}, nil)
		t.Cleanup(func() { h.control.must(t, "daemon-start", struct{}{}, nil) })
		v := podVolume(t, "e2e", "restart", parameters)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()

		_, err := h.publish(ctx, v, nil)

		// waitForReady: the call waited for a connection until the deadline, then names the last
		// dial error (the stopped daemon removed its socket).
		wantDeadlineExceeded(t, err, regexp.MustCompile(`^latest balancer error: connection error: desc = "transport: Error while dialing: dial unix /\S+/azure\.sock: connect: no such file or directory"$`))
		wantNothingWritten(t, v.targetPath)
	})

	t.Run("a mount sent while the daemon is stopped waits for it", func(t *testing.T) {
		h.control.must(t, "daemon-stop", map[string]string{"signal": "SIGTERM"}, nil)
		v := podVolume(t, "e2e", "restart", parameters)
		const down = 1500 * time.Millisecond
		started := time.Now()
		done := publishAsync(h, v)
		select {
		case r := <-done:
			t.Fatalf("the mount returned while the daemon was down: %v", r.err)
		case <-time.After(down):
		}
		h.control.must(t, "daemon-start", struct{}{}, nil)
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		wantVersions(t, r.versions, map[string]string{"secret/slow": version})
		wantFiles(t, readVolume(t, v.targetPath), map[string]volumeFile{"slow": {"restart-value", 0o644}})
		if elapsed := time.Since(started); elapsed < down {
			t.Errorf("the mount took %v, less than the %v the daemon was down", elapsed, down)
		}
	})

	t.Run("a mount cut by the daemon's death is sent again to the restarted daemon", func(t *testing.T) {
		path := "/secrets/slow"
		var before struct{ Count int }
		h.control.must(t, "keyvault-count", map[string]string{"path": path}, &before)
		h.control.must(t, "keyvault-delay", map[string]any{"path": path, "ms": 10_000}, nil)
		t.Cleanup(func() { _ = h.control.call("keyvault-clear-faults", struct{}{}, nil) })
		v := podVolume(t, "e2e", "restart", parameters)
		done := publishAsync(h, v)
		waitForCount(t, h.control, path, before.Count+1)

		h.control.must(t, "daemon-stop", map[string]string{"signal": "SIGKILL"}, nil)
		h.control.must(t, "keyvault-clear-faults", struct{}{}, nil)
		h.control.must(t, "daemon-start", struct{}{}, nil)
		r := <-done

		if r.err != nil {
			t.Fatal(r.err)
		}
		wantVersions(t, r.versions, map[string]string{"secret/slow": version})
		wantFiles(t, readVolume(t, v.targetPath), map[string]volumeFile{"slow": {"restart-value", 0o644}})
		var after struct{ Count int }
		h.control.must(t, "keyvault-count", map[string]string{"path": path}, &after)
		if after.Count < before.Count+2 {
			t.Errorf("Key Vault saw %d request(s) for %s, want the killed attempt and the retried one", after.Count-before.Count, path)
		}
	})
}

// wantDeadlineExceeded checks a publish that failed with DEADLINE_EXCEEDED and the status message.
func wantDeadlineExceeded(t *testing.T, err error, message *regexp.Regexp) {
	t.Helper()
	failure := asPublishError(t, err)
	if failure.reason != "GRPCProviderError" {
		t.Errorf("reason %q, want GRPCProviderError", failure.reason)
	}
	s, _ := status.FromError(errors.Unwrap(failure.err))
	if s.Code() != codes.DeadlineExceeded || !message.MatchString(s.Message()) {
		t.Errorf("got %v %q, want DeadlineExceeded with a message matching %s", s.Code(), s.Message(), message)
	}
	const prefix = "failed to mount secrets store objects for pod e2e/restart, err: rpc error: code = DeadlineExceeded desc = "
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error %q, want it to start with %q", err, prefix)
	}
}

type publishResult struct {
	versions map[string]string
	err      error
}

func publishAsync(h *harness, v volume) <-chan publishResult {
	done := make(chan publishResult, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
		defer cancel()
		versions, err := h.publish(ctx, v, nil)
		done <- publishResult{versions, err}
	}()
	return done
}

// waitForCount polls until Key Vault has seen at least want authorised requests for path.
func waitForCount(t *testing.T, c *control, path string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var out struct{ Count int }
		c.must(t, "keyvault-count", map[string]string{"path": path}, &out)
		if out.Count >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Key Vault saw %d request(s) for %s, waited for %d", out.Count, path, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
