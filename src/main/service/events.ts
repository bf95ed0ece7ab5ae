import type { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../../shared/contract.js';

/** The service's push events, each with its one payload: the map its EventEmitter is typed by. */
export type ServiceEvents = { [E in EventName]: [EventPayload<E>] };

/** How a collaborator announces an event: the service's own `emit`, so front ends listen in one place. */
export type Emit = EventEmitter<ServiceEvents>['emit'];
