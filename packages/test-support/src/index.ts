export { CHROMIUM_ARGS, chromiumPath, describeWithChromium } from './browser.js';
export {
  awsError,
  type CallInterceptor,
  type FaultInjector,
  type FaultRule,
  type InterceptedCall,
  injectFaults,
  interceptCalls,
  type MiddlewareClient,
} from './faults.js';
export { describeWhen } from './gate.js';
export {
  describeWithMoto,
  MOTO_ENDPOINT_VARIABLE,
  type MotoAccount,
  type MotoConnection,
  type MotoCredentials,
  motoAccount,
  motoEndpoint,
} from './moto.js';
