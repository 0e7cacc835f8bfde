/** The pod a token is requested for. The uid keeps a re-created pod with the same name from getting the old pod's token. */
export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  /** `csi.storage.k8s.io/pod.uid`; may be empty when the driver does not pass it. */
  readonly uid: string;
}
