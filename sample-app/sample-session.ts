/** The sample app's session data shape: what `ActiveSession<SampleSessionData>` carries in `data`. */
export interface SampleSessionData {
  username: string;
  cart: string[];
}
