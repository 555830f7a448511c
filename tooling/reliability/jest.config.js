import preset from '@wes/config/jest-preset'

export default { ...preset, displayName: 'reliability' }
