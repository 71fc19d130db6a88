package credentials

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/metaonly"
)

// Per-query ServiceAccount identity (spec.serviceAccountName): the operator asks the API server
// for a short-lived token of that ServiceAccount in the query's namespace and exchanges it at
// IAM, so IAM's identity-conversion rules (system:serviceaccount:<ns>:<sa> → user group) decide
// what each namespace may list. A tenant can only name ServiceAccounts of its own namespace.

// serviceaccounts/token: TokenRequest for spec.serviceAccountName, in the query's namespace.
// +kubebuilder:rbac:groups="",resources=serviceaccounts/token,verbs=create
// serviceaccounts get: the ServiceAccount's UID keys its cached credentials, so that one
// deleted and created again under the same name never inherits them.
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get

// saIdle is how long a ServiceAccount's cached credentials are kept after their last use: an
// identity no query uses any more is forgotten, so the cache does not grow without bound. A
// query syncing less often than this exchanges a new token each time.
const saIdle = 2 * time.Hour

// saTokenSeconds is the lifetime asked for a ServiceAccount token: the API server's minimum.
// The token is used at once, for one exchange.
const saTokenSeconds = 600

// WorkloadIdentity configures spec.serviceAccountName and caches each ServiceAccount's
// temporary credentials until they need refreshing.
type WorkloadIdentity struct {
	IdPID       string // --workload-identity-idp-id
	Audience    string // --workload-identity-audience
	IAMEndpoint string // HUAWEICLOUD_SDK_IAM_ENDPOINT ("" is IAM's global endpoint)
	ProjectID   string // HUAWEICLOUD_SDK_PROJECT_ID, sent as X-Project-Id
	HTTPClient  *http.Client
	Now         func() time.Time // nil: time.Now

	mu      sync.Mutex
	sources map[types.UID]*cachedSource
}

// cachedSource is one ServiceAccount's credential source and when it was last used.
type cachedSource struct {
	src      ims.CredentialSource
	lastUsed time.Time
}

func serviceAccountIdentity(namespace, name string) string {
	return "serviceaccount:" + namespace + "/" + name
}

func (w *WorkloadIdentity) now() time.Time {
	if w.Now == nil {
		return time.Now()
	}
	return w.Now()
}

// source is the cached credential source of the ServiceAccount whose UID is uid, made on
// first use; sources idle for saIdle are forgotten.
func (w *WorkloadIdentity) source(c client.Client, sa types.NamespacedName, uid types.UID) ims.CredentialSource {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	for id, cached := range w.sources {
		if now.Sub(cached.lastUsed) > saIdle {
			delete(w.sources, id)
		}
	}
	if cached, ok := w.sources[uid]; ok {
		cached.lastUsed = now
		return cached.src
	}
	if w.sources == nil {
		w.sources = map[types.UID]*cachedSource{}
	}
	src := ims.NewFederation(ims.Federation{
		IAMEndpoint: w.IAMEndpoint,
		IdPID:       w.IdPID,
		IDToken:     func(ctx context.Context) (string, error) { return w.requestToken(ctx, c, sa) },
		ProjectID:   w.ProjectID,
		Identity:    serviceAccountIdentity(sa.Namespace, sa.Name),
		HTTPClient:  w.HTTPClient,
		Now:         w.Now,
	})
	w.sources[uid] = &cachedSource{src: src, lastUsed: now}
	return src
}

// cached is how many ServiceAccounts' credential sources are held.
func (w *WorkloadIdentity) cached() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.sources)
}

// requestToken asks the API server for a token of sa with the identity provider's audience.
func (w *WorkloadIdentity) requestToken(ctx context.Context, c client.Client, sa types.NamespacedName) (string, error) {
	seconds := int64(saTokenSeconds)
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		Audiences:         []string{w.Audience},
		ExpirationSeconds: &seconds,
	}}
	account := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: sa.Namespace, Name: sa.Name}}
	err := c.SubResource("token").Create(ctx, account, tr)
	switch {
	case apierrors.IsNotFound(err):
		return "", &failure.Error{Reason: imsv1.ReasonServiceAccountNotFound, Message: err.Error(), Terminal: true, Err: err}
	case err != nil:
		return "", failure.Wrap(imsv1.ReasonServiceAccountTokenFailed, err)
	case tr.Status.Token == "":
		return "", failure.Wrap(imsv1.ReasonServiceAccountTokenFailed, errors.New("the API server issued an empty token"))
	}
	return tr.Status.Token, nil
}

// serviceAccountCredentials are q's ServiceAccount's temporary credentials.
func (r *Resolver) serviceAccountCredentials(ctx context.Context, q *imsv1.ImageQuery) (ims.Credentials, error) {
	w := r.Settings.WorkloadIdentity
	if w == nil || w.IdPID == "" || w.Audience == "" {
		return ims.Credentials{}, failure.Terminal(imsv1.ReasonWorkloadIdentityNotConfigured,
			"serviceAccountName needs the manager's --workload-identity-idp-id and --workload-identity-audience")
	}
	sa := types.NamespacedName{Namespace: q.Namespace, Name: q.Spec.ServiceAccountName}
	account := metaonly.ServiceAccount()
	if err := r.APIReader.Get(ctx, sa, account); apierrors.IsNotFound(err) {
		return ims.Credentials{}, &failure.Error{Reason: imsv1.ReasonServiceAccountNotFound, Message: err.Error(), Terminal: true, Err: err}
	} else if err != nil {
		return ims.Credentials{}, failure.Wrap(imsv1.ReasonServiceAccountTokenFailed, err)
	}
	creds, err := w.source(r.Client, sa, account.UID).Credentials(ctx)
	if err != nil {
		return ims.Credentials{}, failure.FromCredentials("ServiceAccount "+sa.String(), err)
	}
	return creds, nil
}
