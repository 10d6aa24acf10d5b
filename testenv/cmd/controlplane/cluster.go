package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// installCRDs creates every CustomResourceDefinition found in the YAML files of dir
// and waits until all of them are established.
func installCRDs(ctx context.Context, cfg *rest.Config, dir string) ([]string, error) {
	client, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	more, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	files = append(files, more...)
	sort.Strings(files)
	var names []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			var crd apiextensionsv1.CustomResourceDefinition
			if err := dec.Decode(&crd); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if crd.Kind == "" && crd.Name == "" {
				continue // empty document
			}
			if crd.Kind != "CustomResourceDefinition" {
				return nil, fmt.Errorf("%s: unexpected kind %q", f, crd.Kind)
			}
			crd.ResourceVersion = ""
			if _, err := client.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, &crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				return nil, fmt.Errorf("create CRD %s from %s: %w", crd.Name, f, err)
			}
			names = append(names, crd.Name)
		}
	}
	for _, name := range names {
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
			crd, err := client.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			for _, c := range crd.Status.Conditions {
				if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return nil, fmt.Errorf("CRD %s not established: %w", name, err)
		}
	}
	return names, nil
}

// installLWSWebhooks registers the LeaderWorkerSet controller's admission webhooks, served
// on 127.0.0.1:port with a certificate signed by caPEM (as LWS's config/webhook/manifests.yaml
// and its kustomize patches declare them).
func installLWSWebhooks(ctx context.Context, cs kubernetes.Interface, port int, caPEM []byte) error {
	url := func(path string) admissionv1.WebhookClientConfig {
		u := fmt.Sprintf("https://127.0.0.1:%d%s", port, path)
		return admissionv1.WebhookClientConfig{URL: &u, CABundle: caPEM}
	}
	fail := admissionv1.Fail
	none := admissionv1.SideEffectClassNone
	lwsRule := func(ops ...admissionv1.OperationType) []admissionv1.RuleWithOperations {
		return []admissionv1.RuleWithOperations{{
			Operations: ops,
			Rule: admissionv1.Rule{APIGroups: []string{"leaderworkerset.x-k8s.io"}, APIVersions: []string{"v1"},
				Resources: []string{"leaderworkersets"}},
		}}
	}
	podRule := func(ops ...admissionv1.OperationType) []admissionv1.RuleWithOperations {
		return []admissionv1.RuleWithOperations{{
			Operations: ops,
			Rule:       admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
		}}
	}
	lwsPods := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key: "leaderworkerset.sigs.k8s.io/name", Operator: metav1.LabelSelectorOpExists,
	}}}
	versions := []string{"v1"}
	mutating := &admissionv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "lws-mutating-webhook-configuration"},
		Webhooks: []admissionv1.MutatingWebhook{
			{Name: "mleaderworkerset.kb.io", ClientConfig: url("/mutate-leaderworkerset-x-k8s-io-v1-leaderworkerset"),
				Rules: lwsRule(admissionv1.Create, admissionv1.Update), FailurePolicy: &fail, SideEffects: &none,
				AdmissionReviewVersions: versions},
			{Name: "mpod.kb.io", ClientConfig: url("/mutate--v1-pod"),
				Rules: podRule(admissionv1.Create), FailurePolicy: &fail, SideEffects: &none,
				AdmissionReviewVersions: versions, ObjectSelector: lwsPods},
		},
	}
	validating := &admissionv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "lws-validating-webhook-configuration"},
		Webhooks: []admissionv1.ValidatingWebhook{
			{Name: "vleaderworkerset.kb.io", ClientConfig: url("/validate-leaderworkerset-x-k8s-io-v1-leaderworkerset"),
				Rules: lwsRule(admissionv1.Create, admissionv1.Update), FailurePolicy: &fail, SideEffects: &none,
				AdmissionReviewVersions: versions},
			{Name: "vpod.kb.io", ClientConfig: url("/validate--v1-pod"),
				Rules: podRule(admissionv1.Create, admissionv1.Update), FailurePolicy: &fail, SideEffects: &none,
				AdmissionReviewVersions: versions, ObjectSelector: lwsPods},
		},
	}
	if _, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, mutating, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create mutating webhooks: %w", err)
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, validating, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create validating webhooks: %w", err)
	}
	return nil
}

type nodeSet struct {
	GPUNodes    int
	CPUNodes    int
	GPUsPerNode int
	GPUProduct  string
	CPU         string
	Memory      string
	Pods        string
}

// fakeNodes returns the Node objects that kwok will manage.
func fakeNodes(ns nodeSet) []*corev1.Node {
	var nodes []*corev1.Node
	mk := func(name string, gpu bool) *corev1.Node {
		res := corev1.ResourceList{
			corev1.ResourceCPU:              resource.MustParse(ns.CPU),
			corev1.ResourceMemory:           resource.MustParse(ns.Memory),
			corev1.ResourcePods:             resource.MustParse(ns.Pods),
			corev1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
		}
		labels := map[string]string{
			"kubernetes.io/hostname": name,
			"kubernetes.io/os":       "linux",
			"kubernetes.io/arch":     "amd64",
			"type":                   "kwok",
		}
		if gpu {
			res["nvidia.com/gpu"] = *resource.NewQuantity(int64(ns.GPUsPerNode), resource.DecimalSI)
			labels["nvidia.com/gpu.product"] = ns.GPUProduct
			labels["nvidia.com/gpu.present"] = "true"
		}
		return &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:   name,
				Labels: labels,
				Annotations: map[string]string{
					"kwok.x-k8s.io/node":           "fake",
					"node.alpha.kubernetes.io/ttl": "0",
				},
			},
			Status: corev1.NodeStatus{
				Capacity:    res,
				Allocatable: res.DeepCopy(),
				Phase:       corev1.NodeRunning,
			},
		}
	}
	for i := 0; i < ns.GPUNodes; i++ {
		nodes = append(nodes, mk(fmt.Sprintf("gpu-node-%d", i), true))
	}
	for i := 0; i < ns.CPUNodes; i++ {
		nodes = append(nodes, mk(fmt.Sprintf("cpu-node-%d", i), false))
	}
	return nodes
}

func createNodes(ctx context.Context, cs kubernetes.Interface, nodes []*corev1.Node) error {
	for _, n := range nodes {
		if _, err := cs.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create node %s: %w", n.Name, err)
		}
	}
	return nil
}

// waitNodesReady waits until every node is Ready and carries no not-ready/unreachable taint.
func waitNodesReady(ctx context.Context, cs kubernetes.Interface, want int) error {
	var last string
	err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		ready := 0
		var waiting []string
		for _, n := range list.Items {
			ok := false
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					ok = true
				}
			}
			for _, t := range n.Spec.Taints {
				if strings.HasPrefix(t.Key, "node.kubernetes.io/") {
					ok = false
				}
			}
			if ok {
				ready++
			} else {
				waiting = append(waiting, n.Name)
			}
		}
		last = fmt.Sprintf("%d/%d nodes ready, waiting for %v", ready, want, waiting)
		return ready == want && len(list.Items) == want, nil
	})
	if err != nil {
		return fmt.Errorf("nodes not ready (%s): %w", last, err)
	}
	return nil
}

// waitDefaultServiceAccount waits until the service account controller has created
// "default" in the default namespace (pods cannot be created before).
func waitDefaultServiceAccount(ctx context.Context, cs kubernetes.Interface) error {
	return wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
}
