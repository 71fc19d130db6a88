module github.com/imagecatalog/ims-operator/api

// The API types are their own module (the way Flux ships its APIs), so that another
// controller can import them without taking this operator's Go, client-go and
// controller-runtime versions. The go line and apimachinery v0.19.0 (the first release with
// metav1.Condition) are the lowest this module builds with: a consumer's own, newer versions
// win by minimal version selection. Keep the package within Go 1.15 (no generics, no `any`).
go 1.15

require k8s.io/apimachinery v0.19.0
