// Package realdriver mounts volumes through the upstream Secrets Store CSI Driver's own provider
// client (sigs.k8s.io/secrets-store-csi-driver/pkg/secrets-store) against our built daemon, so what
// the production caller does — its gRPC dial options, its checks of our answer, its atomic file
// writer — is what the tests see. e2e/src/real-driver.spec.ts starts the daemon and the doubles and
// runs these tests with KEYVAULT_CSI_PROVIDER_DIR and KEYVAULT_CSI_CONTROL_URL set.
package realdriver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	secretsstorev1 "sigs.k8s.io/secrets-store-csi-driver/apis/v1"
	secretsstore "sigs.k8s.io/secrets-store-csi-driver/pkg/secrets-store"
	"sigs.k8s.io/yaml"
)

// The driver's `--max-call-recv-msg-size` default.
const maxCallRecvMsgSize = 4 * 1024 * 1024

// The volume context keys kubelet adds for a driver with `podInfoOnMount: true`, and the one it adds
// for an inline (ephemeral) volume.
const (
	podNameKey            = "csi.storage.k8s.io/pod.name"
	podNamespaceKey       = "csi.storage.k8s.io/pod.namespace"
	podUIDKey             = "csi.storage.k8s.io/pod.uid"
	serviceAccountNameKey = "csi.storage.k8s.io/serviceAccount.name"
	ephemeralKey          = "csi.storage.k8s.io/ephemeral"
)

// driver is the part of the Secrets Store CSI Driver's node plugin between kubelet and the provider.
// Only the code that is ours to write here — reading the SecretProviderClass and the pod, which the
// driver gets from the API server and kubelet — is ours; the client, its dial options, the call, the
// checks of the answer and the file writing are the driver's own (PluginClientBuilder, MountContent).
type driver struct {
	clients *secretsstore.PluginClientBuilder
}

// newDriver builds the provider clients as the driver's main does: the provider socket directories
// to search, and the receive limit as the only extra dial option.
func newDriver(providerDirs ...string) *driver {
	return &driver{clients: secretsstore.NewPluginClientBuilder(
		providerDirs,
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxCallRecvMsgSize)),
	)}
}

func (d *driver) close() { d.clients.Cleanup() }

// volume is one pod volume of driver `secrets-store.csi.k8s.io`, as NodePublishVolume receives it.
type volume struct {
	spc *secretsstorev1.SecretProviderClass
	pod *corev1.Pod
	// The pod's CSI volume whose volumeAttributes kubelet passes on.
	volumeName string
	// Data of the volume's nodePublishSecretRef; nil without one.
	nodePublishSecrets map[string]string
	targetPath         string
}

// publishError is a failed NodePublishVolume: the message kubelet puts in the pod's FailedMount
// event, and the driver's error reason (its metrics label).
type publishError struct {
	reason string
	err    error
}

func (e *publishError) Error() string { return e.err.Error() }
func (e *publishError) Unwrap() error { return e.err }

// publish does what the driver's NodePublishVolume does once the target is mounted: the SPC
// parameters with kubelet's volume context copied over them, Go-marshalled; the publish secrets
// marshalled (`null` without any); the file permission 0644 marshalled (`420`); then MountContent,
// which calls Mount, checks the response and writes the files. oldObjectVersions is nil on every v1.6
// publish; drivers up to v1.5 sent the pod's current versions on rotation, so tests may pass them.
func (d *driver) publish(ctx context.Context, v volume, oldObjectVersions map[string]string) (map[string]string, error) {
	if len(v.spc.Spec.Parameters) == 0 {
		return nil, fmt.Errorf("parameters not set in %s/%s", v.spc.Namespace, v.spc.Name)
	}
	volumeContext, err := kubeletVolumeContext(v.pod, v.volumeName)
	if err != nil {
		return nil, err
	}
	parameters := maps.Clone(v.spc.Spec.Parameters)
	maps.Copy(parameters, volumeContext)
	attributes, err := json.Marshal(parameters)
	if err != nil {
		return nil, err
	}
	secrets, err := json.Marshal(v.nodePublishSecrets)
	if err != nil {
		return nil, err
	}
	permission, err := json.Marshal(os.FileMode(0o644))
	if err != nil {
		return nil, err
	}
	// kubelet does not create the target; the driver creates it, then mounts a tmpfs on it.
	if err := os.MkdirAll(v.targetPath, 0o750); err != nil {
		return nil, err
	}
	provider := string(v.spc.Spec.Provider)
	client, err := d.clients.Get(ctx, provider)
	if err != nil {
		return nil, d.failed(v.pod, "FailedToLookupProviderGRPCClient", fmt.Errorf("error connecting to provider %q: %w", provider, err))
	}
	versions, reason, err := secretsstore.MountContent(ctx, client, string(attributes), string(secrets), v.targetPath, string(permission), oldObjectVersions)
	if err != nil {
		return nil, d.failed(v.pod, reason, err)
	}
	return versions, nil
}

func (d *driver) failed(pod *corev1.Pod, reason string, err error) error {
	return &publishError{
		reason: reason,
		err:    fmt.Errorf("failed to mount secrets store objects for pod %s/%s, err: %w", pod.Namespace, pod.Name, err),
	}
}

// kubeletVolumeContext is what kubelet sends as the volume context of an inline CSI volume: the
// volume's volumeAttributes plus the pod fields (podInfoOnMount) and the ephemeral flag.
func kubeletVolumeContext(pod *corev1.Pod, volumeName string) (map[string]string, error) {
	for _, v := range pod.Spec.Volumes {
		if v.Name != volumeName || v.CSI == nil {
			continue
		}
		serviceAccount := pod.Spec.ServiceAccountName
		if serviceAccount == "" {
			serviceAccount = "default"
		}
		out := maps.Clone(v.CSI.VolumeAttributes)
		if out == nil {
			out = map[string]string{}
		}
		out[podNameKey] = pod.Name
		out[podNamespaceKey] = pod.Namespace
		out[podUIDKey] = string(pod.UID)
		out[serviceAccountNameKey] = serviceAccount
		out[ephemeralKey] = "true"
		return out, nil
	}
	return nil, fmt.Errorf("pod %s/%s has no CSI volume %q", pod.Namespace, pod.Name, volumeName)
}

// inlinePod is a pod with one inline volume of the driver, named "secrets-store", using spc.
func inlinePod(namespace, name, uid string, spc *secretsstorev1.SecretProviderClass) *corev1.Pod {
	pod := &corev1.Pod{}
	pod.Namespace, pod.Name, pod.UID = namespace, name, types.UID(uid)
	readOnly := true
	pod.Spec.Volumes = []corev1.Volume{{
		Name: "secrets-store",
		VolumeSource: corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{
			Driver:           "secrets-store.csi.k8s.io",
			ReadOnly:         &readOnly,
			VolumeAttributes: map[string]string{"secretProviderClass": spc.Name},
		}},
	}}
	return pod
}

// newSPC is a SecretProviderClass for provider azure in namespace with the given parameters.
func newSPC(namespace, name string, parameters map[string]string) *secretsstorev1.SecretProviderClass {
	spc := &secretsstorev1.SecretProviderClass{}
	spc.Namespace, spc.Name = namespace, name
	spc.Spec.Provider = "azure"
	spc.Spec.Parameters = parameters
	return spc
}

// readManifest decodes a YAML manifest into a Kubernetes object, as the API server would store it.
func readManifest(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// repoPath is a path from the repository root (this module is e2e/real-driver).
func repoPath(elements ...string) string {
	return filepath.Join(append([]string{"..", ".."}, elements...)...)
}

// asPublishError unwraps err into the driver's failure, failing the test when it is not one.
func asPublishError(t *testing.T, err error) *publishError {
	t.Helper()
	var failure *publishError
	if !errors.As(err, &failure) {
		t.Fatalf("want a failed publish, got %v", err)
	}
	return failure
}
