/** The body the benchmark's backend answers (roles.ts `backend`, and nginx when it is the backend). */
export const BACKEND_BODY = '{"hello":"world","items":[1,2,3]}';
