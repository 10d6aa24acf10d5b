// Command lws runs the LeaderWorkerSet controller of sigs.k8s.io/lws (the same wiring as its
// cmd/main.go) for the local test environment: no leader election, no metrics server, and the
// admission webhooks served on loopback with a certificate that the caller provides
// (tls.crt/tls.key in --webhook-cert-dir), as controller-runtime's envtest does.
package main

import (
	"flag"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	leaderworkersetv1 "sigs.k8s.io/lws/api/leaderworkerset/v1"
	"sigs.k8s.io/lws/pkg/controllers"
	"sigs.k8s.io/lws/pkg/webhooks"
)

func main() {
	var (
		webhookHost string
		webhookPort int
		certDir     string
		probeAddr   string
	)
	// --kubeconfig is registered by controller-runtime (ctrl.GetConfig reads it).
	flag.StringVar(&webhookHost, "webhook-host", "127.0.0.1", "address the webhook server listens on")
	flag.IntVar(&webhookPort, "webhook-port", 9443, "port of the webhook server")
	flag.StringVar(&certDir, "webhook-cert-dir", "", "directory holding tls.crt and tls.key for the webhook server")
	flag.StringVar(&probeAddr, "health-probe-bind-address", "127.0.0.1:8081", "address of /healthz and /readyz")
	zopts := zap.Options{Development: false}
	zopts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zopts)))
	log := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(leaderworkersetv1.AddToScheme(scheme))

	cfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "kubeconfig")
		os.Exit(1)
	}
	cfg.QPS, cfg.Burst = 500, 500
	cfg.UserAgent = "lws-controller-testenv"

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: probeAddr,
		LeaderElection:         false,
		WebhookServer: webhook.NewServer(webhook.Options{
			Host: webhookHost, Port: webhookPort, CertDir: certDir,
		}),
	})
	if err != nil {
		log.Error(err, "unable to create manager")
		os.Exit(1)
	}
	must := func(err error, what string) {
		if err != nil {
			log.Error(err, what)
			os.Exit(1)
		}
	}
	must(controllers.SetupIndexes(mgr.GetFieldIndexer()), "setup indexes")
	must(controllers.NewLeaderWorkerSetReconciler(mgr.GetClient(), mgr.GetScheme(),
		mgr.GetEventRecorderFor("leaderworkerset")).SetupWithManager(mgr), "LeaderWorkerSet controller")
	must(controllers.NewPodReconciler(mgr.GetClient(), mgr.GetScheme(),
		mgr.GetEventRecorderFor("leaderworkerset"), nil).SetupWithManager(mgr), "Pod controller")
	must(webhooks.SetupLeaderWorkerSetWebhook(mgr), "LeaderWorkerSet webhook")
	must(webhooks.NewPodWebhook(nil).Setup(mgr), "Pod webhook")
	must(mgr.AddHealthzCheck("healthz", healthz.Ping), "healthz")
	// Ready only once the webhook server answers: the API server calls it for every LWS.
	must(mgr.AddReadyzCheck("webhook", mgr.GetWebhookServer().StartedChecker()), "readyz")

	log.Info("starting manager")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "problem running manager")
		os.Exit(1)
	}
}
