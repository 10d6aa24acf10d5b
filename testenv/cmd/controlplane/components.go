package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/server/v3/embed"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/rest"
	cliflag "k8s.io/component-base/cli/flag"
	logsapi "k8s.io/component-base/logs/api/v1"
	apiserverapp "k8s.io/kubernetes/cmd/kube-apiserver/app"
	apiserveroptions "k8s.io/kubernetes/cmd/kube-apiserver/app/options"
	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	kcmoptions "k8s.io/kubernetes/cmd/kube-controller-manager/app/options"
	schedulerapp "k8s.io/kubernetes/cmd/kube-scheduler/app"
	scheduleroptions "k8s.io/kubernetes/cmd/kube-scheduler/app/options"
)

func init() {
	// Several components share this process and each would apply its logging options.
	logsapi.ReapplyHandling = logsapi.ReapplyHandlingIgnoreUnchanged
}

// startEtcd starts an embedded etcd on loopback, storing its data in dir.
func startEtcd(dir string, clientPort, peerPort int, logFile string) (*embed.Etcd, error) {
	cfg := embed.NewConfig()
	cfg.Name = "testenv"
	cfg.Dir = dir
	cfg.UnsafeNoFsync = true
	clientURL := url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(clientPort)}
	peerURL := url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(peerPort)}
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "error" // "warn" logs every slow request on a busy 2-core machine
	cfg.LogOutputs = []string{logFile}
	cfg.ListenMetricsUrls = nil
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, nil
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("etcd failed: %w", err)
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("etcd took too long to start")
	}
}

func parseFlags(name string, sets []*pflag.FlagSet, args []string) error {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	for _, s := range sets {
		fs.AddFlagSet(s)
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s flags: %w", name, err)
	}
	return nil
}

// components holds the parsed options of the three in-process components.
type components struct {
	api   *apiserveroptions.ServerRunOptions
	kcm   *kcmoptions.KubeControllerManagerOptions
	sched *scheduleroptions.Options
}

// parseComponents builds and parses the options of all components up front. Order matters:
// feature gates are process-global, kube-controller-manager changes a default
// (WatchListClient) while building its flags, and no default can change once any
// component has added the gates to a flag set.
func parseComponents(apiArgs, kcmArgs, schedArgs []string) (*components, error) {
	c := &components{}
	var err error
	c.kcm, err = kcmoptions.NewKubeControllerManagerOptions()
	if err != nil {
		return nil, err
	}
	nfs := c.kcm.Flags(kcmapp.KnownControllers(), kcmapp.ControllersDisabledByDefault(), kcmapp.ControllerAliases())
	c.kcm.ParsedFlags = &nfs
	if err := parseFlags("kube-controller-manager", ordered(nfs), kcmArgs); err != nil {
		return nil, err
	}
	c.sched = scheduleroptions.NewOptions()
	if err := parseFlags("kube-scheduler", ordered(*c.sched.Flags), schedArgs); err != nil {
		return nil, err
	}
	c.api = apiserveroptions.NewServerRunOptions()
	if err := parseFlags("kube-apiserver", ordered(c.api.Flags()), apiArgs); err != nil {
		return nil, err
	}
	// All three share compatibility.DefaultComponentGlobalsRegistry: apply it once.
	if err := c.api.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return nil, err
	}
	// The loopback clients need not print API deprecation warnings.
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	return c, nil
}

// runAPIServer runs kube-apiserver in this process until ctx is done; errors go to errCh.
func (c *components) runAPIServer(ctx context.Context, errCh chan<- error) error {
	completed, err := c.api.Complete(ctx)
	if err != nil {
		return err
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return utilerrors.NewAggregate(errs)
	}
	go func() { errCh <- fmt.Errorf("kube-apiserver stopped: %v", apiserverapp.Run(ctx, completed)) }()
	return nil
}

// runControllerManager runs kube-controller-manager in this process.
func (c *components) runControllerManager(ctx context.Context, errCh chan<- error) error {
	cfg, err := c.kcm.Config(ctx, kcmapp.KnownControllers(), kcmapp.ControllersDisabledByDefault(), kcmapp.ControllerAliases())
	if err != nil {
		return err
	}
	go func() {
		errCh <- fmt.Errorf("kube-controller-manager stopped: %v", kcmapp.Run(ctx, cfg.Complete()))
	}()
	return nil
}

// runScheduler runs kube-scheduler in this process.
func (c *components) runScheduler(ctx context.Context, errCh chan<- error) error {
	cc, sched, err := schedulerapp.Setup(ctx, c.sched)
	if err != nil {
		return err
	}
	go func() { errCh <- fmt.Errorf("kube-scheduler stopped: %v", schedulerapp.Run(ctx, cc, sched)) }()
	return nil
}

func ordered(nfs cliflag.NamedFlagSets) []*pflag.FlagSet {
	var out []*pflag.FlagSet
	for _, name := range nfs.Order {
		out = append(out, nfs.FlagSets[name])
	}
	return out
}
