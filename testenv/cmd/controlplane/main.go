// Command controlplane runs a local simulated Kubernetes cluster for the tests of
// llm-d-modelservice: embedded etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler in this process, plus kwok (fake nodes, pods that become Ready) and the
// LeaderWorkerSet controller as child processes. It prints
//
//	testenv ready: KUBECONFIG=<path>
//
// once the cluster is usable, and on SIGTERM/SIGINT stops its children and removes its
// data directory.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

type options struct {
	dataDir     string
	kubeconfig  string
	crdDir      string
	kwokBin     string
	lwsBin      string
	nodes       nodeSet
	timeout     time.Duration
	keepDataDir bool
	auditLog    string
}

// env is one running environment.
type env struct {
	opts     options
	dataDir  string
	logDir   string
	etcd     *embed.Etcd
	mu       sync.Mutex
	children []*child
	stopping bool
	wroteKC  bool
}

type child struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stdout, "testenv: "+format+"\n", args...)
}

func main() {
	var o options
	flag.StringVar(&o.dataDir, "data-dir", "", "directory for etcd data, certificates and logs (default: a new temporary directory); removed on exit")
	flag.StringVar(&o.kubeconfig, "kubeconfig", "", "where to write the admin kubeconfig (default: <data-dir>/kubeconfig)")
	flag.StringVar(&o.crdDir, "crd-dir", "", "directory of CustomResourceDefinition YAML files to install")
	flag.StringVar(&o.kwokBin, "kwok-bin", "", "path of the kwok binary (empty: no fake nodes)")
	flag.StringVar(&o.lwsBin, "lws-bin", "", "path of the LeaderWorkerSet controller binary (empty: no LWS controller)")
	flag.IntVar(&o.nodes.GPUNodes, "gpu-nodes", 4, "number of fake GPU nodes")
	flag.IntVar(&o.nodes.CPUNodes, "cpu-nodes", 2, "number of fake CPU-only nodes")
	flag.IntVar(&o.nodes.GPUsPerNode, "gpus-per-node", 8, "nvidia.com/gpu allocatable on each GPU node")
	flag.StringVar(&o.nodes.GPUProduct, "gpu-product", "NVIDIA-H100-80GB-HBM3", "nvidia.com/gpu.product label of GPU nodes")
	flag.StringVar(&o.nodes.CPU, "node-cpu", "64", "cpu allocatable of each node")
	flag.StringVar(&o.nodes.Memory, "node-memory", "512Gi", "memory allocatable of each node")
	flag.StringVar(&o.nodes.Pods, "node-pods", "110", "pods allocatable of each node")
	flag.DurationVar(&o.timeout, "ready-timeout", 3*time.Minute, "how long to wait for the cluster to become ready")
	flag.BoolVar(&o.keepDataDir, "keep-data-dir", false, "do not remove the data directory on exit (debugging)")
	flag.StringVar(&o.auditLog, "audit-log", "", "write the API server's audit log (one JSON event per request, metadata only) to this file; empty: no audit log")
	flag.Parse()

	e := &env{opts: o}
	code := e.run()
	os.Exit(code)
}

func (e *env) run() int {
	var err error
	if e.opts.dataDir == "" {
		e.dataDir, err = os.MkdirTemp("", "llm-d-testenv-")
	} else {
		e.dataDir, err = filepath.Abs(e.opts.dataDir)
		if err == nil {
			err = os.MkdirAll(e.dataDir, 0o700)
		}
	}
	if err != nil {
		say("error: data dir: %v", err)
		return 1
	}
	e.logDir = filepath.Join(e.dataDir, "logs")
	if err := os.MkdirAll(e.logDir, 0o700); err != nil {
		say("error: %v", err)
		return 1
	}
	// Everything the in-process components log goes to a file, not to the terminal.
	cpLog := filepath.Join(e.logDir, "controlplane.log")
	lf, err := os.OpenFile(cpLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		say("error: %v", err)
		return 1
	}
	if err := syscall.Dup3(int(lf.Fd()), 2, 0); err != nil {
		say("error: redirect stderr: %v", err)
		return 1
	}
	say("data dir %s, logs in %s", e.dataDir, e.logDir)

	// Our stdout is a pipe to testenv/run; if that dies, a write must not kill us before
	// the clean-up (Go exits on EPIPE at fd 1 unless SIGPIPE is ignored).
	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	failed := make(chan error, 8)
	readyCh := make(chan error, 1)
	go func() { readyCh <- e.start(ctx, failed) }()

	select {
	case s := <-sigs:
		say("received %v during start-up, stopping", s)
		return e.stop(0)
	case err := <-failed:
		say("error: %v (logs: %s)", err, e.logDir)
		return e.stop(1)
	case err := <-readyCh:
		if err != nil {
			say("error: %v (logs: %s)", err, e.logDir)
			return e.stop(1)
		}
	}
	fmt.Fprintf(os.Stdout, "testenv ready: KUBECONFIG=%s\n", e.kubeconfigPath())
	select {
	case s := <-sigs:
		say("received %v, stopping", s)
		return e.stop(0)
	case err := <-failed:
		say("error: %v (logs: %s)", err, e.logDir)
		return e.stop(1)
	}
}

func (e *env) kubeconfigPath() string {
	if e.opts.kubeconfig != "" {
		p, _ := filepath.Abs(e.opts.kubeconfig)
		return p
	}
	return filepath.Join(e.dataDir, "kubeconfig")
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (e *env) start(ctx context.Context, failed chan<- error) error {
	t0 := time.Now()
	ports, err := freePorts(6)
	if err != nil {
		return err
	}
	etcdClient, etcdPeer, apiPort, schedPort, lwsWebhookPort, lwsHealthPort := ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]

	p, err := newPKI(filepath.Join(e.dataDir, "pki"))
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	pkiDir := filepath.Join(e.dataDir, "pki")
	apiCert, apiKey, err := p.writeServing(pkiDir, "apiserver", "kube-apiserver",
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")})
	if err != nil {
		return err
	}
	saKey := filepath.Join(pkiDir, "sa.key")
	if err := writeServiceAccountKey(saKey); err != nil {
		return err
	}

	e.etcd, err = startEtcd(filepath.Join(e.dataDir, "etcd"), etcdClient, etcdPeer, filepath.Join(e.logDir, "etcd.log"))
	if err != nil {
		return err
	}
	go func() {
		if err, ok := <-e.etcd.Err(); ok && err != nil {
			failed <- fmt.Errorf("etcd: %w", err)
		}
	}()
	say("etcd up on 127.0.0.1:%d (%.1fs)", etcdClient, time.Since(t0).Seconds())

	apiArgs := []string{
		"--etcd-servers=http://127.0.0.1:" + strconv.Itoa(etcdClient),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(apiPort),
		"--cert-dir=" + pkiDir,
		"--tls-cert-file=" + apiCert,
		"--tls-private-key-file=" + apiKey,
		"--client-ca-file=" + p.CAFile,
		"--requestheader-client-ca-file=" + p.CAFile,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + saKey,
		"--service-account-signing-key-file=" + saKey,
		"--enable-priority-and-fairness=false",
		"--max-requests-inflight=0",
		"--max-mutating-requests-inflight=0",
		"--profiling=false",
		"--endpoint-reconciler-type=none",
	}
	if e.opts.auditLog != "" {
		// Metadata of every request (who, what, when, with which user agent), written as it
		// completes: what the benchmarks count requests per command with.
		policy := filepath.Join(e.dataDir, "audit-policy.yaml")
		text := "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n"
		if err := os.WriteFile(policy, []byte(text), 0o600); err != nil {
			return err
		}
		apiArgs = append(apiArgs,
			"--audit-policy-file="+policy,
			"--audit-log-path="+e.opts.auditLog,
			"--audit-log-format=json",
			"--audit-log-mode=blocking",
			"--audit-log-maxage=0",
			"--audit-log-maxbackup=0",
			"--audit-log-maxsize=0",
		)
	}
	internalKC := filepath.Join(e.dataDir, "admin.kubeconfig")
	kcmArgs := []string{
		"--kubeconfig=" + internalKC,
		"--authentication-kubeconfig=" + internalKC,
		"--authorization-kubeconfig=" + internalKC,
		"--leader-elect=false",
		"--secure-port=0",
		"--service-account-private-key-file=" + saKey,
		"--root-ca-file=" + p.CAFile,
		"--use-service-account-credentials=false",
		"--kube-api-qps=200",
		"--kube-api-burst=400",
		"--node-monitor-period=1s",
		"--concurrent-deployment-syncs=10",
		"--concurrent-replicaset-syncs=10",
		"--concurrent-statefulset-syncs=10",
		"--concurrent-gc-syncs=20",
	}
	schedArgs := []string{
		"--kubeconfig=" + internalKC,
		"--authentication-kubeconfig=" + internalKC,
		"--authorization-kubeconfig=" + internalKC,
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(schedPort),
		"--cert-dir=" + filepath.Join(pkiDir, "scheduler"),
		"--kube-api-qps=200",
		"--kube-api-burst=400",
	}
	comps, err := parseComponents(apiArgs, kcmArgs, schedArgs)
	if err != nil {
		return err
	}
	if err := comps.runAPIServer(ctx, failed); err != nil {
		return fmt.Errorf("kube-apiserver: %w", err)
	}

	cfg := &rest.Config{
		Host: fmt.Sprintf("https://127.0.0.1:%d", apiPort),
		TLSClientConfig: rest.TLSClientConfig{
			CAData: p.CAPEM, CertData: p.AdminCert, KeyData: p.AdminKey,
		},
		QPS: 200, Burst: 400,
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if err := waitHealthy(ctx, cs, "/readyz", 90*time.Second); err != nil {
		return fmt.Errorf("kube-apiserver not ready: %w", err)
	}
	say("kube-apiserver ready on https://127.0.0.1:%d (%.1fs)", apiPort, time.Since(t0).Seconds())

	if err := writeKubeconfig(internalKC, cfg); err != nil {
		return err
	}
	if err := writeKubeconfig(e.kubeconfigPath(), cfg); err != nil {
		return err
	}
	e.wroteKC = true

	if err := comps.runControllerManager(ctx, failed); err != nil {
		return fmt.Errorf("kube-controller-manager: %w", err)
	}
	if err := comps.runScheduler(ctx, failed); err != nil {
		return fmt.Errorf("kube-scheduler: %w", err)
	}
	say("kube-controller-manager and kube-scheduler started (%.1fs)", time.Since(t0).Seconds())

	if e.opts.crdDir != "" {
		names, err := installCRDs(ctx, cfg, e.opts.crdDir)
		if err != nil {
			return err
		}
		say("%d CRDs established (%.1fs)", len(names), time.Since(t0).Seconds())
	}

	if e.opts.lwsBin != "" {
		certDir := filepath.Join(pkiDir, "lws-webhook")
		if _, _, err := p.writeServing(certDir, "tls", "lws-webhook", []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
			return err
		}
		if err := e.spawn("lws", e.opts.lwsBin, []string{
			"--kubeconfig=" + internalKC,
			"--webhook-port=" + strconv.Itoa(lwsWebhookPort),
			"--webhook-cert-dir=" + certDir,
			"--health-probe-bind-address=127.0.0.1:" + strconv.Itoa(lwsHealthPort),
		}, failed); err != nil {
			return err
		}
	}
	if e.opts.kwokBin != "" {
		if err := e.spawn("kwok", e.opts.kwokBin, []string{
			"--kubeconfig=" + internalKC,
			"--manage-all-nodes=false",
			"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
			"--cidr=10.244.0.0/16",
			"--node-ip=10.0.0.1",
			"--node-port=0",
			"--server-address=",
			"--node-lease-duration-seconds=40",
			"--v=WARN",
		}, failed); err != nil {
			return err
		}
	}

	nodes := fakeNodes(e.opts.nodes)
	if e.opts.kwokBin != "" && len(nodes) > 0 {
		if err := createNodes(ctx, cs, nodes); err != nil {
			return err
		}
	}

	wctx, wcancel := context.WithTimeout(ctx, e.opts.timeout)
	defer wcancel()
	if err := waitDefaultServiceAccount(wctx, cs); err != nil {
		return fmt.Errorf("default service account not created: %w", err)
	}
	if e.opts.lwsBin != "" {
		if err := waitHTTP(wctx, fmt.Sprintf("http://127.0.0.1:%d/readyz", lwsHealthPort)); err != nil {
			return fmt.Errorf("LWS controller not ready: %w", err)
		}
		if err := installLWSWebhooks(ctx, cs, lwsWebhookPort, p.CAPEM); err != nil {
			return err
		}
		say("LeaderWorkerSet controller ready, webhooks on 127.0.0.1:%d (%.1fs)", lwsWebhookPort, time.Since(t0).Seconds())
	}
	if e.opts.kwokBin != "" && len(nodes) > 0 {
		if err := waitNodesReady(wctx, cs, len(nodes)); err != nil {
			return err
		}
		say("%d nodes ready (%d GPU, %d CPU) (%.1fs)", len(nodes), e.opts.nodes.GPUNodes, e.opts.nodes.CPUNodes, time.Since(t0).Seconds())
	}
	return nil
}

func waitHealthy(ctx context.Context, cs kubernetes.Interface, path string, timeout time.Duration) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		status := 0
		res := cs.Discovery().RESTClient().Get().AbsPath(path).Do(ctx)
		res.StatusCode(&status)
		if status == http.StatusOK {
			return true, nil
		}
		raw, _ := res.Raw()
		last = fmt.Sprintf("%d %s", status, raw)
		return false, nil
	})
	if err != nil && last != "" {
		return fmt.Errorf("%w: last answer %s", err, last)
	}
	return err
}

func waitHTTP(ctx context.Context, url string) error {
	c := &http.Client{Timeout: 2 * time.Second}
	return wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		resp, err := c.Get(url)
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
}

func writeKubeconfig(path string, cfg *rest.Config) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["testenv"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["testenv-admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["testenv"] = &clientcmdapi.Context{Cluster: "testenv", AuthInfo: "testenv-admin", Namespace: "default"}
	kc.CurrentContext = "testenv"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return clientcmd.WriteToFile(*kc, path)
}

var spawnRequests = make(chan spawnRequest)

type spawnRequest struct {
	cmd  *exec.Cmd
	errc chan error
}

// The kernel sends Pdeathsig when the *thread* that forked the child exits, and the Go
// runtime may retire threads. Fork every child from one goroutine locked to its own
// thread that lives as long as the process.
func init() {
	go func() {
		runtime.LockOSThread()
		for r := range spawnRequests {
			r.errc <- r.cmd.Start()
		}
	}()
}

func startOnLockedThread(cmd *exec.Cmd) error {
	r := spawnRequest{cmd: cmd, errc: make(chan error, 1)}
	spawnRequests <- r
	return <-r.errc
}

// spawn starts a child process in its own process group; it is killed if this process dies.
func (e *env) spawn(name, bin string, args []string, failed chan<- error) error {
	logPath := filepath.Join(e.logDir, name+".log")
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Dir = e.dataDir
	cmd.Env = append(os.Environ(), "HOME="+e.dataDir) // kwok reads ~/.kwok; keep it inside the data dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := startOnLockedThread(cmd); err != nil {
		lf.Close()
		return fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	e.mu.Lock()
	e.children = append(e.children, c)
	e.mu.Unlock()
	go func() {
		err := cmd.Wait()
		lf.Close()
		close(c.done)
		e.mu.Lock()
		stopping := e.stopping
		e.mu.Unlock()
		if !stopping {
			failed <- fmt.Errorf("%s exited unexpectedly (%v), see %s", name, err, logPath)
		}
	}()
	return nil
}

// stop terminates the children, stops etcd and removes the data directory.
func (e *env) stop(code int) int {
	t0 := time.Now()
	e.mu.Lock()
	e.stopping = true
	children := append([]*child(nil), e.children...)
	e.mu.Unlock()
	for _, c := range children {
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM)
	}
	deadline := time.After(5 * time.Second)
	for _, c := range children {
		select {
		case <-c.done:
		case <-deadline:
		}
	}
	for _, c := range children {
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
	}
	tChildren := time.Since(t0)
	if e.etcd != nil {
		done := make(chan struct{})
		go func() { e.etcd.Close(); close(done) }()
		// Closing etcd waits for the API server's open watches; its data is thrown away
		// anyway, so do not wait long.
		select {
		case <-done:
		case <-time.After(time.Second):
		}
	}
	if e.wroteKC && e.opts.kubeconfig != "" {
		_ = os.Remove(e.kubeconfigPath())
	}
	if code != 0 {
		e.printLogTails()
	}
	if !e.opts.keepDataDir {
		if code != 0 {
			say("logs of the failed run were in %s (removed; pass --keep-data-dir to keep them)", e.logDir)
		}
		if err := os.RemoveAll(e.dataDir); err != nil {
			say("warning: remove %s: %v", e.dataDir, err)
		}
	}
	say("stopped (children %.1fs, total %.1fs)", tChildren.Seconds(), time.Since(t0).Seconds())
	return code
}

// printLogTails copies the end of every component log to stdout, for failed runs.
func (e *env) printLogTails() {
	files, _ := filepath.Glob(filepath.Join(e.logDir, "*.log"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		fmt.Fprintf(os.Stdout, "----- tail of %s -----\n%s\n", filepath.Base(f), strings.Join(lines, "\n"))
	}
}
