// Package imssim is an HTTP server that behaves like Huawei Cloud IMS
// "List images" (GET /v2/cloudimages, as the project's API reference describes it),
// so tests, the local demo and benchmarks run without a cloud account. It
// verifies SDK-HMAC-SHA256 signatures (package sign) and IAM tokens,
// filters, sorts and pages a catalog it is given, injects faults on
// demand, and records every request.
//
// Where the reference speaks, the simulator follows it. Where it is
// silent, these are the choices:
//
// Routing and errors
//   - Only GET /v2/cloudimages exists: another path is 404 and another
//     method on it 405 (gateway-style bodies with "request_id"). Every
//     response is application/json and carries X-Request-Id (32 hex digits).
//   - Order of checks: route, authentication (401), query (400), listing.
//   - A bad request is 400 {"error_code":"IMG.0001","error_msg":"..."} and
//     the message names the parameter and the reason. Unknown parameters,
//     a parameter given twice, an empty value, a malformed query string,
//     values outside a closed set of the reference, booleans other than
//     true/false, malformed integers and time filters, a limit outside
//     1..1000, unknown sort_key/sort_dir, the reference's "not combined"
//     rules, member_status without visibility=shared, a malformed flavor_id
//     and a marker not in the listing are all 400.
//   - Closed sets are matched case-sensitively as the reference spells them;
//     disk_format also accepts zvhd2 (the reference's default and what its
//     samples hold), and __imagetype also market (KooGallery images, which
//     IMS documents today).
//   - __platform is open, as IMS adds platforms over time: any value matching
//     ^[A-Za-z][A-Za-z0-9 ._()-]{0,63}$ is accepted and matched exactly.
//
// Authentication
//   - A request carrying X-Auth-Token is judged by the token alone;
//     otherwise the Authorization header must verify with sign.Verify,
//     X-Sdk-Date within 15 minutes of Options.Now. Failures are 401
//     {"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication
//     information: <reason>","request_id":"..."}; reasons never hold secrets.
//   - A temporary AK needs its security token in a signed X-Security-Token;
//     a permanent AK with an X-Security-Token is refused too (the client
//     has mixed up its credentials; the reference is silent).
//
// Filters
//   - The catalog is what the caller may see: there is no per-project
//     scoping (X-Project-Id is only recorded).
//   - Listings never include records whose __isregistered is "false"
//     (ordinary users see registered images only), so __isregistered
//     accepts only "true". A record without the field is registered.
//   - Strings match exactly and case-sensitively; a field holding a number
//     or a boolean is compared in its JSON spelling ("64", "true").
//   - min_ram and min_disk match exactly; a record without them counts 0.
//   - protected and __whole_image are true/false; an absent field is false.
//     __support_* flags accept only "true" and match "true" or true. GPU
//     types are open values, matched exactly.
//   - member_status matches the simulator-only record key "member_status"
//     (the viewing project's answer to a share). It is never returned:
//     real records do not carry it. Without the parameter, shared images
//     are listed whatever their member status.
//   - tag=K=V matches a record tag "K.V" or "K=V"; tag=X matches "X".
//   - enterprise_project_id=0 matches records without the field or with
//     "0"; all_granted_eps matches every record; anything else must be a
//     UUID and matches exactly.
//   - architecture: a record is arm if __support_arm is "true"/true or its
//     "architecture" field is arm, arm64 or aarch64; x86 otherwise.
//   - created_at/updated_at: OP:TIME, OP in gt gte lt lte eq neq (gt means
//     later than TIME), TIME in UTC as 2006-01-02T15:04:05Z or
//     2006-01-02 15:04:05. Records whose time does not parse never match.
//   - flavor_id is approximated from the flavor's name, as there is no
//     flavor catalog: FAMILY GEN.SIZE.RATIO (s6.large.2) has vCPUs from SIZE
//     (small=1, medium=1, large=2, xlarge=4, Nxlarge=4N) and RAM = vCPUs ×
//     RATIO GiB; it matches public FusionCompute images whose min_ram fits.
//     physical.FAMILY GEN.SIZE[.RATIO] matches public Ironic images only.
//     Families starting with k (kc1, km1, ...) match Arm images only, the
//     others x86 only. Any other form is a 400.
//
// Sorting and paging
//   - sort_key accepts the reference's keys and "create_at" (the original
//     document's spelling) for created_at; one key only. Default
//     created_at desc. size compares as a number (null or absent = 0),
//     created_at as a time (absent or unparsable = oldest), the others as
//     strings (absent = ""). Ties are ordered by id in the same direction,
//     so pages are stable.
//   - marker is the id after which the page starts, within the filtered,
//     sorted listing; limit defaults to 500 and ranges 1..1000.
//   - A listing's page number (Fault.OnPage, RecordedRequest.Page) is 1
//     without marker, else ceil((position of marker + 1) / limit) + 1.
//
// IAM federation and ECS metadata (iam.go, metadata.go)
//   - The same handler serves IAM's steps A and B of OIDC federation and the
//     metadata service's session token and securitykey calls, as
//     ../shared/huawei-credentials.md describes them. ID tokens are JWTs whose
//     claims are read (sub, aud, exp) but whose signature is not verified.
//   - Issued temporary credentials are accepted by IMS only with their
//     signed X-Security-Token and only until they expire (401 after); each
//     is recorded with the identity it was issued to (Issued,
//     RecordedRequest.Identity).
//   - IAM errors are {"error_code":"IAM.xxxx","error_msg":...}; a metadata
//     service without an agency answers 401 NoAgencyMessage.
//
// Records
//   - Records are served verbatim (unknown fields and null values kept),
//     in the value types encoding/json decodes into, except the
//     simulator-only key member_status.
//   - Faults apply to authenticated, well-formed requests of their API only
//     (Fault.API; "" is the listing).
//     Injected 429 bodies are the gateway's APIGW.0308; other injected
//     statuses use the nested {"error":{"code","message"}} shape.
//     Fault.Hangup closes the connection without an answer; BodyCut
//     announces the whole body and sends half of it. Each request records
//     the fault that fired on it (RecordedRequest.Fault) and, after a Drop,
//     every ID the short page kept from the client (RecordedRequest.Withheld).
//   - Listing is the truth behind the faults: a query's whole listing as of
//     now, neither paged, faulted nor recorded. Churn changes the catalog
//     as a live account does (uploads, deletions, renames, tags, queued).
//   - Requests are recorded before the answer is written, so a client
//     never sees an answer before it is counted.
package imssim
